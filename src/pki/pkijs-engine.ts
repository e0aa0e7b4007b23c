import { createPublicKey, verify } from "node:crypto";
import type * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import {
  certificateSignatureVerifierFor,
  digestAlgorithmByName,
  digestAlgorithmByOid,
  registerCertificateSignatureAlgorithm,
} from "./algorithm-registry.ts";
import { registerGostAlgorithms } from "./gost/register.ts";
import { SignatureOid } from "./oids.ts";

/**
 * The one place where pkijs gets its crypto. Certificates, CRLs and CMS all verify through
 * `verifyWithPublicKey`; signature algorithms that WebCrypto (and so pkijs's own engine) lacks are
 * added with `registerCertificateSignatureAlgorithm` — Ed25519 below, GOST by the GOST module — and
 * digests it lacks (for CMS message-digest attributes) with `registerDigestAlgorithm`.
 */

export {
  type CertificateSignatureInput,
  type CertificateSignatureVerifier,
  registerCertificateSignatureAlgorithm,
} from "./algorithm-registry.ts";

export interface PkiEngineOptions {
  /** Accept the standards' test parameter sets (GOST 1.2.643.2.2.35.0, 1.2.643.7.1.2.1.2.0): test vectors only. */
  allowTestParameterSets?: boolean;
}

function toBytes(data: BufferSource): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

function algorithmName(algorithm: globalThis.AlgorithmIdentifier): string {
  return typeof algorithm === "string" ? algorithm : algorithm.name;
}

export class CertchatCryptoEngine extends pkijs.CryptoEngine {
  readonly allowTestParameterSets: boolean;

  constructor(parameters: pkijs.CryptoEngineParameters & PkiEngineOptions) {
    super(parameters);
    this.allowTestParameterSets = parameters.allowTestParameterSets === true;
  }

  override async verifyWithPublicKey(
    data: BufferSource,
    signature: asn1js.BitString | asn1js.OctetString,
    publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier,
    shaAlgorithm?: string,
  ): Promise<boolean> {
    const verifier = certificateSignatureVerifierFor(signatureAlgorithm.algorithmId);
    if (!verifier)
      return super.verifyWithPublicKey(data, signature, publicKeyInfo, signatureAlgorithm, shaAlgorithm);
    try {
      const verdict = await verifier({
        data: toBytes(data),
        signature: signature.valueBlock.valueHexView,
        spki: new Uint8Array(publicKeyInfo.toSchema().toBER(false)),
        publicKeyInfo,
        signatureAlgorithm,
        allowTestParameterSets: this.allowTestParameterSets,
      });
      return verdict === true;
    } catch {
      return false;
    }
  }

  // Registered digests (Streebog, GOST R 34.11-94) for CMS: SignedData.verify looks the signer's digest
  // algorithm up by OID and then hashes the content by the returned name.
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(
    oid: string,
    safety?: boolean,
    target?: string,
  ): T | object;
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(oid: string, safety: true, target?: string): T;
  override getAlgorithmByOID(oid: string, safety?: boolean, target?: string): object {
    const digest = digestAlgorithmByOid(oid);
    if (digest) return { name: digest.name };
    return super.getAlgorithmByOID(oid, safety, target);
  }

  override async digest(algorithm: globalThis.AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
    const registered = digestAlgorithmByName(algorithmName(algorithm));
    if (!registered) return super.digest(algorithm, data);
    const digest = registered.digest(toBytes(data));
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
  }
}

// Ed25519 (RFC 8410): the signature OID equals the key OID and has no parameters; node:crypto verifies it.
registerCertificateSignatureAlgorithm([SignatureOid.ed25519], ({ data, signature, spki, publicKeyInfo }) => {
  if (publicKeyInfo.algorithm.algorithmId !== SignatureOid.ed25519) return false;
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  return verify(null, data, key, signature);
});
registerGostAlgorithms();

const engine = new CertchatCryptoEngine({ name: "certchat", crypto: globalThis.crypto });
const testVectorEngine = new CertchatCryptoEngine({
  name: "certchat-test-vectors",
  crypto: globalThis.crypto,
  allowTestParameterSets: true,
});
// Installed globally too, so pkijs calls that take no explicit engine (CMS, OCSP…) use the same path.
pkijs.setEngine("certchat", engine);

/** The engine to pass to pkijs; `allowTestParameterSets` gives the one for test vectors. */
export function pkiCryptoEngine(options: PkiEngineOptions = {}): CertchatCryptoEngine {
  return options.allowTestParameterSets ? testVectorEngine : engine;
}
