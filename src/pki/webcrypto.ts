/** WebCrypto, as Node 20 and browsers both have it (globalThis.crypto). */
export function webCrypto(): Crypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle) throw new Error("WebCrypto (globalThis.crypto.subtle) is not available");
  return crypto;
}

export function subtle(): SubtleCrypto {
  return webCrypto().subtle;
}
