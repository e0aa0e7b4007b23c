import type * as pkijs from "pkijs";
import type { KeyAlgorithm, ParsedCertificate } from "./certificate.ts";

/**
 * Which code verifies which algorithm, for one PKI instance: signature algorithms of certificates, CRLs and CMS
 * (used by its pkijs engine), raw signatures per key algorithm (used by `verifyRawSignature`), and digest
 * algorithms WebCrypto lacks. Each `createPki` fills its own set; nothing here is shared between instances,
 * so an acceleration installed by the server never reaches the SDK or another instance.
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

/**
 * Installs faster verifiers into an instance's set, e.g. the server's node:crypto and gost-engine paths. It
 * may read the verifier already registered for an algorithm and keep it as its fallback.
 */
export type PkiAcceleration = (algorithms: PkiAlgorithms) => void;

export class PkiAlgorithms {
  private readonly certificateSignatureVerifiers = new Map<string, CertificateSignatureVerifier>();
  private readonly rawSignatureVerifiers = new Map<KeyAlgorithm, RawSignatureVerifier>();
  private readonly digestsByOid = new Map<string, DigestAlgorithm>();
  private readonly digestsByName = new Map<string, DigestAlgorithm>();

  /** Routes signatures whose algorithm OID is one of `oids` to `verifier` instead of WebCrypto. */
  setCertificateSignatureVerifier(oids: readonly string[], verifier: CertificateSignatureVerifier): void {
    for (const oid of oids) this.certificateSignatureVerifiers.set(oid, verifier);
  }

  certificateSignatureVerifierFor(oid: string): CertificateSignatureVerifier | undefined {
    return this.certificateSignatureVerifiers.get(oid);
  }

  setRawVerifier(keyAlgorithms: readonly KeyAlgorithm[], verifier: RawSignatureVerifier): void {
    for (const algorithm of keyAlgorithms) this.rawSignatureVerifiers.set(algorithm, verifier);
  }

  rawVerifierFor(keyAlgorithm: KeyAlgorithm): RawSignatureVerifier | undefined {
    return this.rawSignatureVerifiers.get(keyAlgorithm);
  }

  addDigest(algorithm: DigestAlgorithm): void {
    this.digestsByOid.set(algorithm.oid, algorithm);
    this.digestsByName.set(algorithm.name.toUpperCase(), algorithm);
  }

  digestByOid(oid: string): DigestAlgorithm | undefined {
    return this.digestsByOid.get(oid);
  }

  digestByName(name: string): DigestAlgorithm | undefined {
    return this.digestsByName.get(name.toUpperCase());
  }
}
