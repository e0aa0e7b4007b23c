/**
 * GOST R 34.10-2001 / 34.10-2012 digital signatures over a precomputed digest (RFC 5832, RFC 7091).
 *
 * Byte conventions (see the shared vectors' README):
 * - digest → e: the raw hash bytes read as a little-endian integer, reduced mod q, with e = 1 if 0;
 * - public key: X || Y, each little-endian (the OCTET STRING inside SubjectPublicKeyInfo);
 * - signature, "standard" layout: s || r, each big-endian (X.509, CRL, CMS, OpenSSL);
 * - signature, "cryptoapi" layout: the full byte reversal of the standard one, r_LE || s_LE
 *   (CryptoAPI / CryptoPro CSP "simple signatures").
 */
import { invert, mod } from "@noble/curves/abstract/modular.js";
import { bytesToNumberBE, bytesToNumberLE, numberToBytesBE, numberToBytesLE } from "@noble/curves/utils.js";
import { randomBytes } from "@noble/hashes/utils.js";
import type { GostCurve, GostPoint } from "./curves.ts";
import { withHedgedNonce } from "./hedged-nonce.ts";

export type GostSignatureLayout = "standard" | "cryptoapi";

export const GOST_SIGNATURE_LAYOUTS: readonly GostSignatureLayout[] = ["standard", "cryptoapi"];

/** A validated public key: on its curve, not the identity, in the prime-order subgroup. */
export interface GostPublicKey {
  readonly curve: GostCurve;
  readonly point: GostPoint;
}

export interface GostSignatureValue {
  readonly r: bigint;
  readonly s: bigint;
}

export interface GostKeyPair {
  readonly privateKey: bigint;
  readonly publicKey: GostPublicKey;
}

/**
 * Parses the raw public key of a SubjectPublicKeyInfo (X_LE || Y_LE, 64 or 128 bytes) and checks that
 * the point lies on the curve and, for the cofactor-4 curves, in the subgroup of order q.
 */
export function parseGostPublicKey(bytes: Uint8Array, curve: GostCurve): GostPublicKey {
  const width = curve.byteLength;
  if (bytes.length !== 2 * width) {
    throw new Error(`GOST public key for ${curve.name} must be ${2 * width} bytes, got ${bytes.length}`);
  }
  const x = bytesToNumberLE(bytes.subarray(0, width));
  const y = bytesToNumberLE(bytes.subarray(width));
  if (x >= curve.p || y >= curve.p) {
    throw new Error(`GOST public key coordinates are not field elements of ${curve.name}`);
  }
  let point: GostPoint;
  try {
    // noble refuses y = 0 (a 2-torsion point) already here.
    point = curve.Point.fromAffine({ x, y });
  } catch (cause) {
    throw invalidPointError(curve, cause);
  }
  assertValidPoint(point, curve);
  return { curve, point };
}

/**
 * For keys that verify many signatures (cached CA keys): builds the key's wNAF table now (about 25 ms
 * for a 256-bit key, 80 ms for a 512-bit one) so that every later verification with this key object is
 * about 3× faster. The table lives as long as the key object does.
 */
export function precomputeGostPublicKey(publicKey: GostPublicKey, windowSize = 6): GostPublicKey {
  publicKey.point.precompute(windowSize, false);
  return publicKey;
}

/** X_LE || Y_LE, the inverse of {@link parseGostPublicKey}. */
export function encodeGostPublicKey(publicKey: GostPublicKey): Uint8Array {
  const { x, y } = publicKey.point.toAffine();
  const width = publicKey.curve.byteLength;
  return concat(numberToBytesLE(x, width), numberToBytesLE(y, width));
}

/**
 * Private key from its little-endian encoding (PKCS#8 GOST keys). Reduced mod q, as RFC 9215 A.2 needs
 * (its tc26-256-A example key is larger than q).
 */
export function gostPrivateKeyFromBytes(bytes: Uint8Array, curve: GostCurve): bigint {
  if (bytes.length !== curve.byteLength) {
    throw new Error(
      `GOST private key for ${curve.name} must be ${curve.byteLength} bytes, got ${bytes.length}`,
    );
  }
  const d = mod(bytesToNumberLE(bytes), curve.q);
  if (d === 0n) throw new Error("GOST private key is zero modulo q");
  return d;
}

export function gostPublicKeyFromPrivate(curve: GostCurve, privateKey: bigint): GostPublicKey {
  assertScalar(privateKey, curve, "private key");
  return { curve, point: curve.Point.BASE.multiply(privateKey) };
}

export function generateGostKeyPair(curve: GostCurve): GostKeyPair {
  const privateKey = randomScalar(curve);
  return { privateKey, publicKey: gostPublicKeyFromPrivate(curve, privateKey) };
}

/** e = digest as a little-endian integer mod q, and 1 when that is 0 (GOST R 34.10, step 2). */
export function gostDigestToInteger(digest: Uint8Array, curve: GostCurve): bigint {
  if (digest.length !== curve.byteLength) {
    throw new Error(`GOST digest for ${curve.name} must be ${curve.byteLength} bytes, got ${digest.length}`);
  }
  const e = mod(bytesToNumberLE(digest), curve.q);
  return e === 0n ? 1n : e;
}

/** Splits a signature into (r, s); undefined when its length is wrong for the curve. No range check. */
export function decodeGostSignature(
  signature: Uint8Array,
  curve: GostCurve,
  layout: GostSignatureLayout,
): GostSignatureValue | undefined {
  const width = curve.byteLength;
  if (signature.length !== 2 * width) return undefined;
  if (layout === "standard") {
    return {
      s: bytesToNumberBE(signature.subarray(0, width)),
      r: bytesToNumberBE(signature.subarray(width)),
    };
  }
  return { r: bytesToNumberLE(signature.subarray(0, width)), s: bytesToNumberLE(signature.subarray(width)) };
}

export function encodeGostSignature(
  value: GostSignatureValue,
  curve: GostCurve,
  layout: GostSignatureLayout,
): Uint8Array {
  const width = curve.byteLength;
  if (layout === "standard") return concat(numberToBytesBE(value.s, width), numberToBytesBE(value.r, width));
  return concat(numberToBytesLE(value.r, width), numberToBytesLE(value.s, width));
}

export interface VerifyGostDigestParams {
  readonly curve: GostCurve;
  /** A parsed key, or its raw X_LE || Y_LE bytes (parsed and validated here). */
  readonly publicKey: GostPublicKey | Uint8Array;
  /** Raw hash output: 32 bytes for 256-bit curves, 64 for 512-bit ones. */
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
  /** Defaults to "standard" (s || r big-endian). */
  readonly layout?: GostSignatureLayout;
}

/**
 * True only when the signature verifies. A signature of the wrong length or with r, s outside (0, q)
 * is simply invalid (false). A digest of the wrong length, a key that does not parse, or a key of a
 * different curve throws: those are caller errors, and none of them is ever reported as valid.
 */
export function verifyGostDigest(params: VerifyGostDigestParams): boolean {
  const { curve, digest, signature, layout = "standard" } = params;
  const publicKey = resolvePublicKey(params.publicKey, curve);
  const e = gostDigestToInteger(digest, curve);
  const value = decodeGostSignature(signature, curve, layout);
  return value !== undefined && verifySignatureValue(publicKey, e, value);
}

/**
 * Verifies a signature whose layout is not known (e.g. a "simple signature" from a CryptoPro client) and
 * reports the layout that matched, or undefined when neither does.
 */
export function detectGostSignatureLayout(
  params: Omit<VerifyGostDigestParams, "layout">,
): GostSignatureLayout | undefined {
  const publicKey = resolvePublicKey(params.publicKey, params.curve);
  const e = gostDigestToInteger(params.digest, params.curve);
  for (const layout of GOST_SIGNATURE_LAYOUTS) {
    const value = decodeGostSignature(params.signature, params.curve, layout);
    if (value !== undefined && verifySignatureValue(publicKey, e, value)) return layout;
  }
  return undefined;
}

/** A source of random bytes (the OS CSPRNG by default); injectable so tests can hand in a broken one. */
export type RandomBytes = (length: number) => Uint8Array;

export interface SignGostDigestParams {
  readonly curve: GostCurve;
  readonly privateKey: bigint;
  readonly digest: Uint8Array;
  /** Defaults to "standard" (s || r big-endian). */
  readonly layout?: GostSignatureLayout;
  /** Fresh entropy for the hedged nonce; the OS CSPRNG when omitted. */
  readonly randomBytes?: RandomBytes;
}

/**
 * Signs a digest with a hedged deterministic nonce (see hedged-nonce.ts): k = HMAC-DRBG(d, e, fresh
 * entropy), uniform in [1, q-1]. The same message signed twice gives two different signatures; a broken
 * RNG (say, all zeros) makes signing deterministic but still never reuses k for a different message.
 *
 * Side channels, honestly. k·G goes through noble's constant-time `Point.multiply`: a fixed sequence of
 * point operations that does not depend on k, on a scalar that noble itself blinds as k + m·q with a
 * fresh 128-bit m from the OS RNG. The field arithmetic under it and our scalar arithmetic are JS bigints, which promise
 * nothing: V8 multiplies and divides them digit by digit (64-bit digits), so their timing follows the
 * operands' lengths, and the JIT and garbage collector add noise and may keep copies of secrets that we
 * cannot wipe. What we can do is keep d and k out of most of that arithmetic: s = r·d + k·e is computed
 * as b⁻¹·(r·(b·d) + e·(b·k)) with a blinding factor b taken from the same DRBG output as k (fresh
 * whenever the entropy is, and secret even when it is not; noble blinds ECDSA's s alike), so only the products b·d and b·k and their reductions see d and k themselves. Their timing
 * still follows operand lengths: it can tell whether d or k has a zero top 64-bit digit (a chance of
 * about 2⁻⁶² for a random scalar) and, through the length of b·k, a little about k's top bits mixed with
 * the unknown b. GOST signing inverts no secret (unlike ECDSA's k⁻¹, the Minerva leak): the one
 * inversion is of b. This is about as good as JS gets: it resists timing measured over a network, not an
 * attacker who shares the machine's caches or measures its power — keys worth that belong in a token or
 * a certified CSP.
 */
export function signGostDigest(params: SignGostDigestParams): Uint8Array {
  const { curve, privateKey, digest, layout = "standard" } = params;
  assertScalar(privateKey, curve, "private key");
  const e = gostDigestToInteger(digest, curve);
  const entropy = drawEntropy(params.randomBytes ?? randomBytes, curve.byteLength);
  const value = withHedgedNonce({ q: curve.q, privateKey, e, entropy }, ({ k, blinding }) =>
    signWithNonce(curve, privateKey, e, k, blinding),
  );
  return encodeGostSignature(value, curve, layout);
}

export interface SignGostDigestWithFixedNonceParams extends Omit<SignGostDigestParams, "randomBytes"> {
  readonly k: bigint;
}

/**
 * Signs with a given nonce k, for known-answer tests ONLY: a k used for two different digests reveals
 * the private key. Runs the same (blinded) arithmetic as {@link signGostDigest}.
 */
export function signGostDigestWithFixedNonce(params: SignGostDigestWithFixedNonceParams): Uint8Array {
  const { curve, privateKey, digest, k, layout = "standard" } = params;
  assertScalar(privateKey, curve, "private key");
  assertScalar(k, curve, "nonce k");
  const e = gostDigestToInteger(digest, curve);
  const value = signWithNonce(curve, privateKey, e, k, randomScalar(curve));
  if (!value) throw new Error("GOST signing with the given nonce k yields r = 0 or s = 0");
  return encodeGostSignature(value, curve, layout);
}

/** r = x(k·G) mod q, s = (r·d + k·e) mod q computed under the blinding factor b (see signGostDigest). */
function signWithNonce(
  curve: GostCurve,
  d: bigint,
  e: bigint,
  k: bigint,
  b: bigint,
): GostSignatureValue | undefined {
  const q = curve.q;
  const r = mod(curve.Point.BASE.multiply(k).toAffine().x, q);
  if (r === 0n) return undefined;
  const blindedD = mod(b * d, q);
  const blindedK = mod(b * k, q);
  const s = mod(invert(b, q) * mod(r * blindedD + e * blindedK, q), q);
  if (s === 0n) return undefined;
  return { r, s };
}

function drawEntropy(source: RandomBytes, length: number): Uint8Array {
  const bytes = source(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new Error(`GOST signing: the random source must return ${length} bytes`);
  }
  return bytes;
}

/** GOST R 34.10 verification: R = x(z1·G + z2·Q) mod q with z1 = s/e, z2 = −r/e; valid iff R = r. */
function verifySignatureValue(publicKey: GostPublicKey, e: bigint, { r, s }: GostSignatureValue): boolean {
  const { curve, point } = publicKey;
  const q = curve.q;
  if (r <= 0n || r >= q || s <= 0n || s >= q) return false;
  const v = invert(e, q);
  const z1 = mod(s * v, q);
  const z2 = mod(-r * v, q);
  // u·G goes through the precomputed base-point table; only the key's multiple needs a full ladder.
  const c = curve.Point.BASE.multiplyUnsafe(z1).add(point.multiplyUnsafe(z2));
  if (c.is0()) return false;
  return mod(c.toAffine().x, q) === r;
}

function resolvePublicKey(publicKey: GostPublicKey | Uint8Array, curve: GostCurve): GostPublicKey {
  if (publicKey instanceof Uint8Array) return parseGostPublicKey(publicKey, curve);
  if (publicKey.curve.domainName !== curve.domainName) {
    throw new Error(`GOST public key belongs to ${publicKey.curve.name}, not to ${curve.name}`);
  }
  // The interface can be built by hand; noble caches successful checks, so this costs nothing twice.
  assertValidPoint(publicKey.point, curve);
  return publicKey;
}

/** On the curve, not the identity, and (cofactor ≠ 1) q·P = O: noble's validity check covers all three. */
function assertValidPoint(point: GostPoint, curve: GostCurve): void {
  try {
    point.assertValidity();
  } catch (cause) {
    throw invalidPointError(curve, cause);
  }
}

function invalidPointError(curve: GostCurve, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`GOST public key is not a valid point of ${curve.name}: ${reason}`, { cause });
}

function assertScalar(value: bigint, curve: GostCurve, what: string): void {
  if (value <= 0n || value >= curve.q) throw new Error(`GOST ${what} must be in [1, q-1] of ${curve.name}`);
}

/** Uniform enough in [1, q-1]: 128 extra random bits make the modular bias negligible. */
function randomScalar(curve: GostCurve): bigint {
  const wide = bytesToNumberBE(randomBytes(curve.byteLength + 16));
  return mod(wide, curve.q - 1n) + 1n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
