/**
 * The two password-to-key derivations PFX files use: PBKDF2 (RFC 8018 §5.2) over any HMAC, and the classic
 * PKCS#12 KDF (RFC 7292 Appendix B.2). Each takes the password bytes in its own encoding (see docs/CRYPTO.md).
 */
import { digestOf, hmacOf, type PfxDigest } from "./digests.ts";

/**
 * Above what exporters write (2000–600 000; .NET also stops at 600 000). 10 million let one hostile MAC keep
 * the reader busy for minutes (GOST 34.11-94 and Streebog run ~30–60 µs an iteration in JS), 1 million for
 * about a minute at worst.
 */
const MAX_ITERATIONS = 1_000_000;

export function requireIterations(iterations: number): number {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > MAX_ITERATIONS) {
    throw new Error(`unsupported PFX: iteration count ${iterations}`);
  }
  return iterations;
}

export function pbkdf2(
  digest: PfxDigest,
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  length: number,
): Uint8Array {
  requireIterations(iterations);
  const out = new Uint8Array(length);
  for (let block = 1, offset = 0; offset < length; block++, offset += digest.outputLength) {
    const first = new Uint8Array(salt.length + 4);
    first.set(salt);
    new DataView(first.buffer).setUint32(salt.length, block);
    let u = hmacOf(digest, password, first);
    const t = u.slice();
    for (let i = 1; i < iterations; i++) {
      u = hmacOf(digest, password, u);
      for (let j = 0; j < t.length; j++) t[j] = (t[j] ?? 0) ^ (u[j] ?? 0);
    }
    out.set(t.subarray(0, length - offset), offset);
  }
  return out;
}

/** RFC 7292 B.3 purposes: 1 key, 2 IV, 3 MAC key. */
export type Pkcs12KeyPurpose = 1 | 2 | 3;

/** RFC 7292 Appendix B.2, with u = the digest's output and v = its block length (32 and 32 for GOST 34.11-94). */
export function pkcs12Kdf(
  digest: PfxDigest,
  bmpPassword: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  purpose: Pkcs12KeyPurpose,
  length: number,
): Uint8Array {
  requireIterations(iterations);
  const v = digest.blockLength;
  const d = new Uint8Array(v).fill(purpose);
  const repeat = (bytes: Uint8Array) => {
    const out = new Uint8Array(v * Math.ceil(bytes.length / v));
    for (let i = 0; i < out.length; i++) out[i] = bytes[i % bytes.length] ?? 0;
    return out;
  };
  const input = new Uint8Array([...repeat(salt), ...repeat(bmpPassword)]);
  const out = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += digest.outputLength) {
    let a = digestOf(digest, new Uint8Array([...d, ...input]));
    for (let i = 1; i < iterations; i++) a = digestOf(digest, a);
    out.set(a.subarray(0, length - offset), offset);
    if (offset + digest.outputLength >= length) break;
    // I_j = (I_j + B + 1) mod 2^(8v) for each v-byte block of I, with B = A repeated to v bytes.
    const b = repeat(a).subarray(0, v);
    for (let j = 0; j < input.length; j += v) {
      let carry = 1;
      for (let k = v - 1; k >= 0; k--) {
        const sum = (input[j + k] ?? 0) + (b[k] ?? 0) + carry;
        input[j + k] = sum & 0xff;
        carry = sum >>> 8;
      }
    }
  }
  return out;
}

/** The password as PKCS#12's KDF wants it: BMPString (UTF-16BE) with a 00 00 terminator (as OpenSSL, even when empty). */
export function bmpPassword(password: string): Uint8Array {
  const out = new Uint8Array(password.length * 2 + 2);
  for (let i = 0; i < password.length; i++) {
    out[2 * i] = password.charCodeAt(i) >>> 8;
    out[2 * i + 1] = password.charCodeAt(i) & 0xff;
  }
  return out;
}

export function utf8Password(password: string): Uint8Array {
  return new TextEncoder().encode(password);
}
