/**
 * GOST signatures on certificates, CRLs, CSRs and CMS SignerInfos, as the pkijs engine hands them over:
 * the signed bytes exactly as stored (pkijs passes `tbsView` / the original signedAttrs), the signature in
 * the X.509 layout (s || r, big-endian) and the signer's SubjectPublicKeyInfo.
 */
import { verifyGostDigest } from "../../crypto/gost/gost3410.ts";
import type { CertificateSignatureInput, CertificateSignatureVerifier } from "../algorithms.ts";
import type { GostPublicKeyCache } from "./public-keys.ts";
import { gostSchemeForSignatureOid, isGost341194TestParamSet } from "./schemes.ts";

/** True only for a GOST R 34.10-2001/2012 signature that verifies; GOST R 34.10-94 and mismatches are false. */
export function gostCertificateSignatureVerifier(keys: GostPublicKeyCache): CertificateSignatureVerifier {
  return (input) => verifyGostCertificateSignature(keys, input);
}

function verifyGostCertificateSignature(keys: GostPublicKeyCache, input: CertificateSignatureInput): boolean {
  const scheme = gostSchemeForSignatureOid(input.signatureAlgorithm.algorithmId);
  if (!scheme || input.publicKeyInfo.algorithm.algorithmId !== scheme.keyOid) return false;
  const publicKey = keys.keyOf(input.spki, { allowTestParameterSets: input.allowTestParameterSets });
  const { digestOid } = publicKey.spki;
  if (isGost341194TestParamSet(digestOid) && !input.allowTestParameterSets) return false;
  return verifyGostDigest({
    curve: publicKey.curve,
    publicKey,
    digest: scheme.hash(input.data, digestOid),
    signature: input.signature,
    layout: "standard",
  });
}
