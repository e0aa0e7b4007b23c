import type * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { PkiAlgorithms } from "./algorithms.ts";
import { webCrypto } from "./webcrypto.ts";

/**
 * Where one PKI instance's pkijs calls get their crypto. Certificates, CRLs and CMS all verify through
 * `verifyWithPublicKey`; signature algorithms that WebCrypto (and so pkijs's own engine) lacks — Ed25519,
 * GOST — come from the instance's `PkiAlgorithms`, and so do the digests it lacks (for CMS message-digest
 * attributes).
 *
 * The engine is passed to every pkijs call that verifies (certificate.verify, crl.verify, the chain
 * validation engine, SignedData.verify); `pkijs.setEngine` is never called, so loading this library — in the
 * server, a worker or the SDK — leaves pkijs's process-wide engine as it found it, and instances with
 * different algorithms (the server's accelerated one, the SDK's) cannot step on each other.
 */

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

  constructor(
    private readonly algorithms: PkiAlgorithms,
    options: PkiEngineOptions = {},
  ) {
    super({ name: "certchat", crypto: webCrypto() });
    this.allowTestParameterSets = options.allowTestParameterSets === true;
  }

  override async verifyWithPublicKey(
    data: BufferSource,
    signature: asn1js.BitString | asn1js.OctetString,
    publicKeyInfo: pkijs.PublicKeyInfo,
    signatureAlgorithm: pkijs.AlgorithmIdentifier,
    shaAlgorithm?: string,
  ): Promise<boolean> {
    const verifier = this.algorithms.certificateSignatureVerifierFor(signatureAlgorithm.algorithmId);
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

  // Added digests (Streebog, GOST R 34.11-94) for CMS: SignedData.verify looks the signer's digest
  // algorithm up by OID and then hashes the content by the returned name.
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(
    oid: string,
    safety?: boolean,
    target?: string,
  ): T | object;
  override getAlgorithmByOID<T extends Algorithm = Algorithm>(oid: string, safety: true, target?: string): T;
  override getAlgorithmByOID(oid: string, safety?: boolean, target?: string): object {
    const digest = this.algorithms.digestByOid(oid);
    if (digest) return { name: digest.name };
    return super.getAlgorithmByOID(oid, safety, target);
  }

  override async digest(algorithm: globalThis.AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer> {
    const added = this.algorithms.digestByName(algorithmName(algorithm));
    if (!added) return super.digest(algorithm, data);
    const digest = added.digest(toBytes(data));
    return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
  }
}
