/**
 * VKO key agreement: a shared key encryption key (KEK) from one party's private key, the other party's
 * public key and a user keying material (UKM).
 *
 * - VKO GOST R 34.10-2001 (RFC 4357 §5.2): KEK = GOST R 34.11-94 (CryptoPro parameter set) of K.
 * - VKO_GOSTR3410_2012_256 / _512 (RFC 7836 §4.3): KEK = Streebog-256 / Streebog-512 of K. Either works
 *   with 256- and 512-bit keys: the name is the size of the KEK, not of the curve (TK26 CMS derives the
 *   32-byte KEK of a 512-bit key with VKO_GOSTR3410_2012_256).
 *
 * K = (m/q · UKM · d mod q) · Q, encoded LE(x) || LE(y), where d is our private key, Q the peer's public
 * key, m/q the cofactor and UKM the little-endian integer of the UKM bytes (1 when they are all zero).
 */
import { mod } from "@noble/curves/abstract/modular.js";
import { bytesToNumberLE } from "@noble/curves/utils.js";
import type { GostCurve } from "./curves.ts";
import { encodeGostPublicKey, type GostPublicKey } from "./gost3410.ts";
import { gost341194 } from "./gost341194.ts";
import { streebog256, streebog512 } from "./streebog.ts";

export interface VkoParams {
  /** The curve of our own key; the peer's key must be on the same curve. */
  readonly curve: GostCurve;
  /** Our private key d in [1, q-1]. */
  readonly privateKey: bigint;
  /** The peer's validated public key. */
  readonly publicKey: GostPublicKey;
  /** User keying material, little-endian; 8 bytes in CMS, CryptoPro blobs and RFC 7836's examples. */
  readonly ukm: Uint8Array;
}

/** VKO GOST R 34.10-2001 (RFC 4357 §5.2): a 32-byte KEK. */
export function vkoGostR3410_2001(params: VkoParams): Uint8Array {
  return gost341194(agreedPoint(params), { paramSet: "id-GostR3411-94-CryptoProParamSet" });
}

/** VKO_GOSTR3410_2012_256 (RFC 7836 §4.3.1): a 32-byte KEK. */
export function vkoGostR3410_2012_256(params: VkoParams): Uint8Array {
  return streebog256(agreedPoint(params));
}

/** VKO_GOSTR3410_2012_512 (RFC 7836 §4.3.2): a 64-byte KEK. */
export function vkoGostR3410_2012_512(params: VkoParams): Uint8Array {
  return streebog512(agreedPoint(params));
}

/** LE(x) || LE(y) of K = (cofactor · UKM · d mod q) · Q. */
function agreedPoint({ curve, privateKey, publicKey, ukm }: VkoParams): Uint8Array {
  if (publicKey.curve.domainName !== curve.domainName) {
    throw new Error(`VKO: the peer's key is on ${publicKey.curve.name}, ours on ${curve.name}`);
  }
  if (privateKey <= 0n || privateKey >= curve.q) {
    throw new Error(`VKO: the private key must be in [1, q-1] of ${curve.name}`);
  }
  if (ukm.length === 0 || ukm.length > curve.byteLength) {
    throw new Error(`VKO: the UKM must be 1..${curve.byteLength} bytes, got ${ukm.length}`);
  }
  // A hand-built GostPublicKey may hold any point; a small-subgroup point would leak bits of d.
  publicKey.point.assertValidity();
  const ukmValue = bytesToNumberLE(ukm) || 1n;
  // Q has order q, so reducing the whole scalar mod q gives the same point as multiplying by m/q last.
  const scalar = mod(curve.cofactor * ukmValue * privateKey, curve.q);
  if (scalar === 0n) throw new Error("VKO: UKM · d is a multiple of q; choose another UKM");
  return encodeGostPublicKey({ curve, point: publicKey.point.multiply(scalar) });
}
