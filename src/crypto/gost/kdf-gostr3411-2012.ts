/**
 * HMAC_GOSTR3411_2012_256/512, KDF_GOSTR3411_2012_256 and KDF_TREE_GOSTR3411_2012_256 (RFC 7836 §4).
 */
import { type HashDefinition, hmac } from "./hmac.ts";
import { createStreebog } from "./streebog.ts";

const STREEBOG_256: HashDefinition = { blockLength: 64, create: () => createStreebog(256) };
const STREEBOG_512: HashDefinition = { blockLength: 64, create: () => createStreebog(512) };

export function hmacGostr3411_2012_256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(STREEBOG_256, key, message);
}

export function hmacGostr3411_2012_512(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(STREEBOG_512, key, message);
}

/** KDF_GOSTR3411_2012_256(K_in, label, seed) = HMAC256(K_in, 0x01 | label | 0x00 | seed | 0x01 | 0x00). */
export function kdfGostr3411_2012_256(key: Uint8Array, label: Uint8Array, seed: Uint8Array): Uint8Array {
  requireKey(key);
  return hmacGostr3411_2012_256(
    key,
    concat([Uint8Array.of(0x01), label, Uint8Array.of(0x00), seed, Uint8Array.of(0x01, 0x00)]),
  );
}

/**
 * KDF_TREE_GOSTR3411_2012_256(K_in, label, seed, R) producing `outputLength` bytes:
 * K(i) = HMAC256(K_in, [i]_R | label | 0x00 | seed | [L]_b), with i counted from 1 in R bytes (big-endian)
 * and L the output length in bits, big-endian in as few bytes as it needs.
 */
export function kdfTreeGostr3411_2012_256(
  key: Uint8Array,
  label: Uint8Array,
  seed: Uint8Array,
  outputLength: number,
  counterBytes: 1 | 2 | 3 | 4 = 1,
): Uint8Array {
  requireKey(key);
  if (![1, 2, 3, 4].includes(counterBytes)) {
    throw new Error(`KDF_TREE: the counter length R must be 1..4 bytes, got ${String(counterBytes)}`);
  }
  const blocks = Math.ceil(outputLength / 32);
  if (!Number.isInteger(outputLength) || outputLength <= 0 || blocks >= 2 ** (8 * counterBytes)) {
    throw new Error(
      `KDF_TREE: output length ${String(outputLength)} bytes is not possible with R = ${String(counterBytes)}`,
    );
  }
  const lengthBits = bigEndianMinimal(outputLength * 8);
  const out = new Uint8Array(blocks * 32);
  for (let i = 1; i <= blocks; i++) {
    const counter = bigEndianFixed(i, counterBytes);
    const input = concat([counter, label, Uint8Array.of(0x00), seed, lengthBits]);
    out.set(hmacGostr3411_2012_256(key, input), (i - 1) * 32);
  }
  return out.slice(0, outputLength);
}

function requireKey(key: Uint8Array): void {
  if (key.length !== 32) throw new Error(`KDF_GOSTR3411_2012_256: K_in must be 32 bytes, got ${key.length}`);
}

function bigEndianFixed(value: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

function bigEndianMinimal(value: number): Uint8Array {
  let length = 1;
  while (value >= 2 ** (8 * length)) length++;
  return bigEndianFixed(value, length);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
