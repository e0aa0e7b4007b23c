/** WebCrypto access shared by the standard (non-GOST) schemes; works in Node 20 and in browsers. */

export function subtle(): SubtleCrypto {
  const api = globalThis.crypto?.subtle;
  if (!api) throw new Error("WebCrypto (globalThis.crypto.subtle) is not available in this environment");
  return api;
}

/** WebCrypto's types want bytes backed by a plain ArrayBuffer; this copies into one. */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes);
}
