import { constants, createPublicKey, type KeyObject, verify } from "node:crypto";
import { BoundedCache } from "../../lib/bounded-cache.ts";
import type { PkiAcceleration, VerifyResult } from "../../pki/algorithms.ts";
import type { ParsedCertificate } from "../../pki/certificate.ts";
import { KeyOid, SignatureOid } from "../../pki/oids.ts";
import { assertReadableEcPoint, INVALID_SIGNATURE } from "../../pki/signature.ts";

/**
 * The server's raw-signature verifiers for ECDSA, RSA and Ed25519, and its Ed25519 certificate verifier:
 * node:crypto (OpenSSL) in place of the portable ones in src/pki, which are several times slower for ECDSA.
 * Same answers, same result names and layouts.
 */
export function nodeCryptoVerifiers(): PkiAcceleration {
  return (algorithms) => {
    const keys = new NodePublicKeys();
    algorithms.setRawVerifier(["ecdsa-p256", "ecdsa-p384", "ecdsa-p521"], (cert, data, signature) =>
      verifyEcdsa(keys.of(cert), cert, data, signature),
    );
    algorithms.setRawVerifier(["rsa", "rsa-pss"], (cert, data, signature) =>
      verifyRsa(keys.of(cert), cert, data, signature),
    );
    algorithms.setRawVerifier(["ed25519"], (cert, data, signature) =>
      verifyEd25519(keys, cert, data, signature),
    );
    algorithms.setCertificateSignatureVerifier(
      [SignatureOid.ed25519],
      ({ data, signature, spki, publicKeyInfo }) => {
        if (publicKeyInfo.algorithm.algorithmId !== KeyOid.ed25519) return false;
        const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
        return verify(null, data, key, signature);
      },
    );
  };
}

/**
 * node:crypto keys of certificates' SubjectPublicKeyInfo (as encoded in the certificate), by fingerprint. An EC
 * point is read by noble first, as the SDK reads it (DECISIONS §42): OpenSSL took a point at infinity (one 0x00
 * byte), and `verify` with that key crashed the process; it also took the hybrid 0x06/0x07 form the SDK refuses.
 * A point noble will not read throws here, which the caller reports as an invalid signature.
 */
class NodePublicKeys {
  private readonly cache = new BoundedCache<string, KeyObject>(1000);

  of(cert: ParsedCertificate): KeyObject {
    const cached = this.cache.get(cert.fingerprint);
    if (cached) return cached;
    assertReadableEcPoint(cert);
    const spki = new Uint8Array(cert.certificate.subjectPublicKeyInfo.toSchema().toBER(false));
    const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
    this.cache.set(cert.fingerprint, key);
    return key;
  }
}

// --- ECDSA: DER or r||s ------------------------------------------------------------------------

const ECDSA_CURVES = {
  "ecdsa-p256": { hash: "sha256", size: 32 },
  "ecdsa-p384": { hash: "sha384", size: 48 },
  "ecdsa-p521": { hash: "sha512", size: 66 },
} as const;

function verifyEcdsa(
  key: KeyObject,
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
): VerifyResult {
  const curve = ECDSA_CURVES[cert.keyAlgorithm as keyof typeof ECDSA_CURVES];
  const algorithm = `${cert.keyAlgorithm}-${curve.hash}`;
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
  return { valid: false, algorithm, layout: layouts.join("|"), reason: INVALID_SIGNATURE };
}

// --- RSA: PKCS#1 v1.5 or PSS, SHA-256 ----------------------------------------------------------

function verifyRsa(
  key: KeyObject,
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
): VerifyResult {
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
    reason: INVALID_SIGNATURE,
  };
}

// --- Ed25519 -------------------------------------------------------------------------------------

function verifyEd25519(
  keys: NodePublicKeys,
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
): VerifyResult {
  if (signature.byteLength !== 64)
    return { valid: false, algorithm: "ed25519", reason: "Ed25519 signatures are 64 bytes" };
  const valid = verifyQuietly(() => verify(null, data, keys.of(cert), signature));
  return valid ? { valid, algorithm: "ed25519" } : { valid, algorithm: "ed25519", reason: INVALID_SIGNATURE };
}

/** node:crypto throws on malformed signatures; for us that is simply "does not verify". */
function verifyQuietly(check: () => boolean): boolean {
  try {
    return check() === true;
  } catch {
    return false;
  }
}
