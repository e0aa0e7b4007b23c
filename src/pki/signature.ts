import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import { BoundedCache } from "../bounded-cache.ts";
import { rawSignatureVerifierFor, registerVerifier, type VerifyResult } from "./algorithm-registry.ts";
import type { ParsedCertificate } from "./certificate.ts";
import { registerGostAlgorithms } from "./gost/register.ts";

/**
 * Raw ("simple") signatures over data, made with a certificate's key. One verifier per key algorithm,
 * in a registry the GOST module extends with `registerVerifier`.
 */

export {
  type RawSignatureVerifier,
  registerVerifier,
  type VerifyResult,
} from "./algorithm-registry.ts";

/** No supported algorithm has signatures near this size; larger input is refused before any crypto. */
export const MAX_SIGNATURE_BYTES = 1024;

export async function verifyRawSignature(
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<VerifyResult> {
  const keyAlgorithm: string = cert?.keyAlgorithm ?? "unknown";
  if (!(data instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
    return { valid: false, algorithm: keyAlgorithm, reason: "data and signature must be bytes" };
  }
  if (signature.byteLength === 0) return { valid: false, algorithm: keyAlgorithm, reason: "empty signature" };
  if (signature.byteLength > MAX_SIGNATURE_BYTES) {
    return {
      valid: false,
      algorithm: keyAlgorithm,
      reason: `signature too large (${signature.byteLength} bytes)`,
    };
  }
  const verifier = rawSignatureVerifierFor(cert.keyAlgorithm);
  if (!verifier) {
    return {
      valid: false,
      algorithm: keyAlgorithm,
      reason: `unsupported algorithm ${keyAlgorithm} (key OID ${cert.keyAlgorithmOid})`,
    };
  }
  try {
    const result = await verifier(cert, data, signature);
    // A verifier's word is only taken as a yes when it says exactly `true`.
    return result.valid === true ? result : { ...result, valid: false };
  } catch (error) {
    return {
      valid: false,
      algorithm: keyAlgorithm,
      reason: `verification error: ${(error as Error).message}`,
    };
  }
}

// --- Public keys, cached per certificate fingerprint -------------------------------------------

const keyCache = new BoundedCache<string, KeyObject>(1000);

/** node:crypto key of the certificate's SubjectPublicKeyInfo (as encoded in the certificate). */
export function publicKeyOf(cert: ParsedCertificate): KeyObject {
  const cached = keyCache.get(cert.fingerprint);
  if (cached) return cached;
  const spki = new Uint8Array(cert.certificate.subjectPublicKeyInfo.toSchema().toBER(false));
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  keyCache.set(cert.fingerprint, key);
  return key;
}

const INVALID = "signature does not verify";

// --- ECDSA: DER or r||s ------------------------------------------------------------------------

const ECDSA_CURVES = {
  "ecdsa-p256": { hash: "sha256", size: 32 },
  "ecdsa-p384": { hash: "sha384", size: 48 },
  "ecdsa-p521": { hash: "sha512", size: 66 },
} as const;

function verifyEcdsa(cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): VerifyResult {
  const curve = ECDSA_CURVES[cert.keyAlgorithm as keyof typeof ECDSA_CURVES];
  const algorithm = `${cert.keyAlgorithm}-${curve.hash}`;
  const key = publicKeyOf(cert);
  const layouts: Array<"der" | "raw"> = [];
  if (signature[0] === 0x30) layouts.push("der");
  if (signature.byteLength === 2 * curve.size) layouts.push("raw");
  if (layouts.length === 0) return { valid: false, algorithm, reason: "signature is neither DER nor r||s" };
  for (const layout of layouts) {
    const dsaEncoding = layout === "der" ? "der" : "ieee-p1363";
    if (verifyQuietly(() => verify(curve.hash, data, { key, dsaEncoding }, signature))) {
      return { valid: true, algorithm, layout };
    }
  }
  return { valid: false, algorithm, layout: layouts.join("|"), reason: INVALID };
}

// --- RSA: PKCS#1 v1.5 or PSS, SHA-256 ----------------------------------------------------------

function verifyRsa(cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): VerifyResult {
  const key = publicKeyOf(cert);
  const pss = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
  if (cert.keyAlgorithm === "rsa") {
    const pkcs1 = { key, padding: constants.RSA_PKCS1_PADDING };
    if (verifyQuietly(() => verify("sha256", data, pkcs1, signature))) {
      return { valid: true, algorithm: "rsa-pkcs1-sha256", layout: "pkcs1-v1_5" };
    }
  }
  if (verifyQuietly(() => verify("sha256", data, pss, signature))) {
    return { valid: true, algorithm: "rsa-pss-sha256", layout: "pss" };
  }
  return {
    valid: false,
    algorithm: cert.keyAlgorithm === "rsa" ? "rsa-sha256" : "rsa-pss-sha256",
    reason: INVALID,
  };
}

// --- Ed25519 -------------------------------------------------------------------------------------

function verifyEd25519(cert: ParsedCertificate, data: Uint8Array, signature: Uint8Array): VerifyResult {
  if (signature.byteLength !== 64)
    return { valid: false, algorithm: "ed25519", reason: "Ed25519 signatures are 64 bytes" };
  const valid = verifyQuietly(() => verify(null, data, publicKeyOf(cert), signature));
  return valid ? { valid, algorithm: "ed25519" } : { valid, algorithm: "ed25519", reason: INVALID };
}

/** node:crypto throws on malformed signatures; for us that is simply "does not verify". */
function verifyQuietly(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch {
    return false;
  }
}

registerVerifier(["ecdsa-p256", "ecdsa-p384", "ecdsa-p521"], verifyEcdsa);
registerVerifier(["rsa", "rsa-pss"], verifyRsa);
registerVerifier(["ed25519"], verifyEd25519);
registerGostAlgorithms();
