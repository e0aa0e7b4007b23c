/**
 * Strict base64 decoding for request fields. Line breaks are dropped (Android's Base64.DEFAULT wraps at 76
 * columns) and spaces are read as "+" (a "+" that a form encoder left unescaped arrives as a space);
 * anything else outside the alphabet, or bad padding, is rejected rather than silently skipped.
 */
export function decodeBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/[\r\n\t]/g, "").replace(/ /g, "+");
  if (compact.length === 0) return new Uint8Array(0);
  const standard = compact.replace(/-/g, "+").replace(/_/g, "/");
  const padded = standard.length % 4 === 0 ? standard : standard + "=".repeat(4 - (standard.length % 4));
  if (padded.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(padded)) return undefined;
  if (standard.length % 4 === 1) return undefined;
  return new Uint8Array(Buffer.from(padded, "base64"));
}

export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
