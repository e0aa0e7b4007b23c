import { createPublicKey, verify } from "node:crypto";
import type * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { SignatureOid } from "./oids.ts";

/**
 * The one place where pkijs gets its crypto. Certificates, CRLs and CMS all verify through
 * `verifyWithPublicKey`; signature algorithms that WebCrypto (and so pkijs's own engine) lacks are
 * added here with `registerCertificateSignatureAlgorithm` — Ed25519 below, GOST by the GOST module.
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
}

export type CertificateSignatureVerifier = (input: CertificateSignatureInput) => Promise<boolean> | boolean;

const verifiers = new Map<string, CertificateSignatureVerifier>();

/** Routes signatures whose algorithm OID is one of `oids` to `verifier` instead of WebCrypto. */
export function registerCertificateSignatureAlgorithm(
  oids: readonly string[],
  verifier: CertificateSignatureVerifier,
): void {
  for (const oid of oids) verifiers.set(oid, verifier);
}

function toBytes(data: BufferSource): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export class CertchatCryptoEngine extends pkijs.CryptoEngine {
  override async verifyWithPublicKey(
    data: BufferSource,
    signature: asn1js.BitString | asn1js.OctetString,
    publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier,
    shaAlgorithm?: string,
  ): Promise<boolean> {
    const verifier = verifiers.get(signatureAlgorithm.algorithmId);
    if (!verifier)
      return super.verifyWithPublicKey(data, signature, publicKeyInfo, signatureAlgorithm, shaAlgorithm);
    try {
      return await verifier({
        data: toBytes(data),
        signature: signature.valueBlock.valueHexView,
        spki: new Uint8Array(publicKeyInfo.toSchema().toBER(false)),
        publicKeyInfo,
        signatureAlgorithm,
      });
    } catch {
      return false;
    }
  }
}

// Ed25519 (RFC 8410): the signature OID equals the key OID and has no parameters; node:crypto verifies it.
registerCertificateSignatureAlgorithm([SignatureOid.ed25519], ({ data, signature, spki, publicKeyInfo }) => {
  if (publicKeyInfo.algorithm.algorithmId !== SignatureOid.ed25519) return false;
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  return verify(null, data, key, signature);
});

const engine = new CertchatCryptoEngine({ name: "certchat", crypto: globalThis.crypto });
// Installed globally too, so pkijs calls that take no explicit engine (CMS, OCSP…) use the same path.
pkijs.setEngine("certchat", engine);

export function pkiCryptoEngine(): CertchatCryptoEngine {
  return engine;
}
