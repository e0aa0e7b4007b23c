/** Byte helpers that work the same in Node and in browsers (no Buffer). */

const BASE64_NOISE = /[^A-Za-z0-9+/]/g;

/**
 * Base64 (standard or URL-safe) → bytes, as lenient as Node's Buffer: characters outside the alphabet
 * (line breaks, spaces, padding) are skipped and a dangling sixth of a byte is dropped. Callers that must
 * refuse bad input check its shape first.
 */
export function base64ToBytes(text: string): Uint8Array {
  let compact = text.replace(/-/g, "+").replace(/_/g, "/").replace(BASE64_NOISE, "");
  if (compact.length % 4 === 1) compact = compact.slice(0, -1);
  const binary = atob(compact + "=".repeat((4 - (compact.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return btoa(latin1(bytes));
}

/** Each byte as the character with that code (ISO-8859-1), in chunks small enough for any argument limit. */
export function latin1(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x2000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return text;
}
