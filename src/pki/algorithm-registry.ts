import type * as pkijs from "pkijs";
import type { KeyAlgorithm, ParsedCertificate } from "./certificate.ts";

/**
 * Which code verifies which algorithm: signature algorithms of certificates, CRLs and CMS (used by the
 * pkijs engine), raw signatures per key algorithm (used by `verifyRawSignature`), and digest algorithms
 * WebCrypto lacks. A leaf module, so that algorithm modules (GOST) can register here without import cycles.
 */

export interface CertificateSignatureInput {
  /** The signed bytes exactly as they appear in the structure (TBS, CRL TBS, signed attributes…). */
  data: Uint8Array;
  /** The signature bytes from the BIT STRING / OCTET STRING, unchanged. */
  signature: Uint8Array;
  /** DER of the signer's SubjectPublicKeyInfo. */
  spki: Uint8Array;
  publicKeyInfo: pkijs.PublicKeyInfo;
  signatureAlgorithm: pkijs.AlgorithmIdentifier;
  /** Accept the parameter sets that exist only for the standards' examples (test vectors only). */
  allowTestParameterSets: boolean;
}

export type CertificateSignatureVerifier = (input: CertificateSignatureInput) => Promise<boolean> | boolean;

export interface VerifyResult {
  valid: boolean;
  /** e.g. "ecdsa-p256-sha256", "rsa-pss-sha256", "ed25519", "gost2012-256-streebog256". */
  algorithm: string;
  /** How the signature bytes were laid out: "der"/"raw" (ECDSA), "pkcs1-v1_5"/"pss" (RSA), "standard"/"cryptoapi" (GOST). */
  layout?: string;
  reason?: string;
}

export type RawSignatureVerifier = (
  cert: ParsedCertificate,
  data: Uint8Array,
  signature: Uint8Array,
) => VerifyResult | Promise<VerifyResult>;

export interface DigestAlgorithm {
  readonly oid: string;
  /** The name pkijs passes around (e.g. "STREEBOG-256"); compared case-insensitively. */
  readonly name: string;
  digest(data: Uint8Array): Uint8Array;
}

const certificateSignatureVerifiers = new Map<string, CertificateSignatureVerifier>();
const rawSignatureVerifiers = new Map<KeyAlgorithm, RawSignatureVerifier>();
const digestsByOid = new Map<string, DigestAlgorithm>();
const digestsByName = new Map<string, DigestAlgorithm>();

/** Routes signatures whose algorithm OID is one of `oids` to `verifier` instead of WebCrypto. */
export function registerCertificateSignatureAlgorithm(
  oids: readonly string[],
  verifier: CertificateSignatureVerifier,
): void {
  for (const oid of oids) certificateSignatureVerifiers.set(oid, verifier);
}

export function certificateSignatureVerifierFor(oid: string): CertificateSignatureVerifier | undefined {
  return certificateSignatureVerifiers.get(oid);
}

export function registerVerifier(
  keyAlgorithms: readonly KeyAlgorithm[],
  verifier: RawSignatureVerifier,
): void {
  for (const algorithm of keyAlgorithms) rawSignatureVerifiers.set(algorithm, verifier);
}

export function rawSignatureVerifierFor(keyAlgorithm: KeyAlgorithm): RawSignatureVerifier | undefined {
  return rawSignatureVerifiers.get(keyAlgorithm);
}

export function registerDigestAlgorithm(algorithm: DigestAlgorithm): void {
  digestsByOid.set(algorithm.oid, algorithm);
  digestsByName.set(algorithm.name.toUpperCase(), algorithm);
}

export function digestAlgorithmByOid(oid: string): DigestAlgorithm | undefined {
  return digestsByOid.get(oid);
}

export function digestAlgorithmByName(name: string): DigestAlgorithm | undefined {
  return digestsByName.get(name.toUpperCase());
}
