/**
 * Raw ("simple") GOST signatures over data with a certificate's key: the data is hashed with the key
 * algorithm's hash (Streebog-256/512, or GOST R 34.11-94 with CryptoPro parameters for GOST R 34.10-2001),
 * and the signature may come in either layout — "standard" (s || r big-endian, as in X.509) or
 * "cryptoapi" (its byte reversal, what CryptoPro CSP clients send). The result names the layout that verified.
 */
import { detectGostSignatureLayout } from "../../crypto/gost/gost3410.ts";
import type { RawSignatureVerifier, VerifyResult } from "../algorithms.ts";
import type { ParsedCertificate } from "../certificate.ts";
import { type GostPublicKeyCache, gostSpkiOf } from "./public-keys.ts";
import { gostSchemeForKeyAlgorithm, isGost341194TestParamSet } from "./schemes.ts";

export function gostRawSignatureVerifier(keys: GostPublicKeyCache): RawSignatureVerifier {
  return (cert, data, signature) => verifyGostRawSignature(keys, cert, data, signature);
}

function verifyGostRawSignature(
  keys: GostPublicKeyCache,
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
): VerifyResult {
  const scheme = gostSchemeForKeyAlgorithm(cert.keyAlgorithm);
  const spki = gostSpkiOf(cert);
  if (!scheme || !spki) {
    return { valid: false, algorithm: cert.keyAlgorithm, reason: `not a GOST key: ${cert.keyAlgorithm}` };
  }
  const algorithm = scheme.name;
  // The size follows from the key algorithm alone: refuse anything else before touching the key or curve.
  const expectedBytes = scheme.keyAlgorithm === "gost2012-512" ? 128 : 64;
  if (signature.byteLength !== expectedBytes) {
    return {
      valid: false,
      algorithm,
      reason: `${algorithm} signatures are ${expectedBytes} bytes, got ${signature.byteLength}`,
    };
  }
  const publicKey = keys.keyOf(spki);
  if (isGost341194TestParamSet(publicKey.spki.digestOid)) {
    return { valid: false, algorithm, reason: "GOST R 34.11-94 test parameters are not allowed" };
  }
  const layout = detectGostSignatureLayout({
    curve: publicKey.curve,
    publicKey,
    digest: scheme.hash(data, publicKey.spki.digestOid),
    signature,
  });
  if (!layout) return { valid: false, algorithm, reason: "signature does not verify" };
  return { valid: true, algorithm, layout };
}
