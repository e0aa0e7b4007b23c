/**
 * HMAC (RFC 2104) over any of our incremental hashes. Used for HMAC_GOSTR3411_2012_256/512 (RFC 7836)
 * and HMAC_GOSTR3411_94 (RFC 4357 §3).
 */

/** The part of an incremental hash that HMAC needs. */
export interface IncrementalHash {
  update(chunk: Uint8Array): IncrementalHash;
  digest(): Uint8Array;
}

export interface HashDefinition {
  /** Block length in bytes (the HMAC key is padded to it). */
  readonly blockLength: number;
  create(): IncrementalHash;
}

export function hmac(hash: HashDefinition, key: Uint8Array, message: Uint8Array): Uint8Array {
  const block = new Uint8Array(hash.blockLength);
  block.set(key.length > hash.blockLength ? hash.create().update(key).digest() : key);
  const inner = hash.create().update(xorEach(block, 0x36)).update(message).digest();
  return hash.create().update(xorEach(block, 0x5c)).update(inner).digest();
}

function xorEach(bytes: Uint8Array, value: number): Uint8Array {
  return bytes.map((b) => b ^ value);
}
