/**
 * Hedged deterministic signing nonces: RFC 6979 §3.2 with the optional extra input k' of §3.6, exactly
 * as @noble/curves derives its ECDSA nonces with `extraEntropy` — seed = int2octets(d) || int2octets(e)
 * || entropy, fed to noble's HMAC-DRBG (`createHmacDrbg`), k = bits2int(T) with candidates outside
 * [1, q-1] rejected (never reduced), so k is uniform in [1, q-1].
 *
 * Why hedged: k depends on the private key and the message, so even a broken RNG (all zeros, or the same
 * bytes every time) cannot make two different messages share a k — the classic way a (EC)DSA/GOST key
 * leaks; and fresh entropy makes the same message signed twice use different nonces, which blunts fault
 * and side-channel attacks that need repeated identical computations.
 *
 * Why HMAC-SHA-256 (from @noble/hashes) and not HMAC-Streebog: the DRBG hashes the private key, so its hash
 * must not index tables with secret bytes. Our Streebog uses 16 KiB LPS lookup tables indexed by state bytes
 * (a cache-timing channel); SHA-256 is add-rotate-xor only. HMAC-DRBG with SHA-256 has a security strength
 * of 256 bits (NIST SP 800-57), enough for the 512-bit curves too, and noble's implementation is the audited
 * one its RFC 6979 vectors exercise. The nonce derivation is local to the signer (a verifier cannot tell how
 * k was made), so nothing needs it to be a GOST-standardised function.
 *
 * The same DRBG output also yields the blinding factor b ∈ [1, q-1] (after k's bytes): b is then unknown to
 * an attacker even when the RNG is broken, because it depends on the private key.
 */
import { getMinHashLength, mapHashToField } from "@noble/curves/abstract/modular.js";
import { bytesToNumberBE, concatBytes, createHmacDrbg, numberToBytesBE } from "@noble/curves/utils.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

export interface HedgedNonceInput {
  /** The (prime) group order. */
  readonly q: bigint;
  /** The private key d ∈ [1, q-1]. */
  readonly privateKey: bigint;
  /** The message representative, reduced mod q (GOST: e; ECDSA: bits2int(H(m)) mod n). */
  readonly e: bigint;
  /** Fresh random bytes (RFC 6979's k'); may be empty or all zeros, which only removes the hedge. */
  readonly entropy: Uint8Array;
}

export interface NonceCandidate {
  /** The nonce, uniform in [1, q-1]. */
  readonly k: bigint;
  /** A blinding factor for the signer's scalar arithmetic, in [1, q-1]. */
  readonly blinding: bigint;
}

const hmacSha256 = (key: Uint8Array, message: Uint8Array): Uint8Array => hmac(sha256, key, message);

/**
 * Calls `attempt` with successive nonce candidates until it returns a value (it returns undefined to
 * ask for another, e.g. when r = 0 or s = 0). Deterministic for given inputs.
 */
export function withHedgedNonce<T>(
  input: HedgedNonceInput,
  attempt: (candidate: NonceCandidate) => T | undefined,
): T {
  const { q, privateKey, e, entropy } = input;
  if (privateKey <= 0n || privateKey >= q) throw new Error("private key must be in [1, q-1]");
  if (e < 0n || e >= q) throw new Error("message representative must be in [0, q-1]");
  const qBits = q.toString(2).length;
  const scalarBytes = Math.ceil(qBits / 8);
  // mapHashToField wants at least 1.5× the order's length (and 16 bytes) for a negligible bias.
  const blindingBytes = Math.max(getMinHashLength(q), 16);
  const seed = concatBytes(
    numberToBytesBE(privateKey, scalarBytes),
    numberToBytesBE(e, scalarBytes),
    entropy,
  );
  const drbg = createHmacDrbg<T>(sha256.outputLen, scalarBytes + blindingBytes, hmacSha256);
  try {
    return drbg(seed, (output) => {
      const k = bitsToInt(output.subarray(0, scalarBytes), qBits);
      if (k === 0n || k >= q) return undefined; // RFC 6979 §3.2 h.3: reject, draw again
      const blindingSource = output.subarray(scalarBytes, scalarBytes + blindingBytes);
      const blinding = bytesToNumberBE(mapHashToField(blindingSource, q));
      return attempt({ k, blinding });
    });
  } finally {
    // Best effort only: the bigints and HMAC internals that held d cannot be wiped in JS.
    seed.fill(0);
  }
}

/** RFC 6979 bits2int: the leftmost qBits bits of the bytes as a big-endian integer. */
function bitsToInt(bytes: Uint8Array, qBits: number): bigint {
  const excess = bytes.length * 8 - qBits;
  const value = bytesToNumberBE(bytes);
  return excess > 0 ? value >> BigInt(excess) : value;
}
