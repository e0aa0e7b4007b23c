import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import type { ParsedCertificate } from "./certificate.ts";
import { gostSchemeForKeyOid, gostSchemeForSignatureOid } from "./gost/schemes.ts";

/**
 * CMS SignedData (RFC 5652) signature checks through the pkijs engine, attached or detached, with or
 * without signed attributes. pkijs verifies the signed attributes as received (their original DER with the
 * SET tag) and the message-digest attribute with the signer's digest algorithm; for GOST keys that digest
 * algorithm must also be the key's own hash, so a weaker one cannot be slipped in. The signer certificate is
 * only matched here; whether it chains to a trust anchor is the TrustStore's question.
 */

export interface CmsVerifyOptions {
  /** The signed content of a detached signature. */
  data?: Uint8Array;
  /** Candidate signer certificates besides those embedded (TK26 and CryptoPro often embed none). */
  certificates?: readonly ParsedCertificate[];
}

export interface CmsVerifyResult {
  valid: boolean;
  /** Signature algorithm of the first signer: a GOST scheme name, else its OID; "unknown" when unreadable. */
  algorithm: string;
  /** The certificate of the first signer, when one was found. */
  signer?: pkijs.Certificate;
  reason?: string;
}

const SIGNED_DATA_OID = "1.2.840.113549.1.7.2";

/** Valid only when every SignerInfo verifies. Never throws. `engine`: the PKI instance's (createPki). */
export async function verifyCmsSignedData(
  engine: pkijs.CryptoEngine,
  cmsDer: Uint8Array,
  options: CmsVerifyOptions = {},
): Promise<CmsVerifyResult> {
  let signedData: pkijs.SignedData;
  try {
    signedData = parseSignedData(cmsDer);
  } catch (error) {
    return { valid: false, algorithm: "unknown", reason: (error as Error).message };
  }
  const algorithmOid = signedData.signerInfos[0]?.signatureAlgorithm.algorithmId ?? "unknown";
  const algorithm = gostSchemeForSignatureOid(algorithmOid)?.name ?? algorithmOid;
  if (signedData.signerInfos.length === 0) return { valid: false, algorithm, reason: "no SignerInfo" };
  signedData.certificates = [
    ...(signedData.certificates ?? []),
    ...(options.certificates ?? []).map((c) => c.certificate),
  ];
  let firstSigner: pkijs.Certificate | undefined;
  for (let index = 0; index < signedData.signerInfos.length; index++) {
    const outcome = await verifySigner(signedData, index, options.data, engine);
    firstSigner ??= outcome.signer;
    if (!outcome.valid) {
      return {
        valid: false,
        algorithm,
        ...(firstSigner ? { signer: firstSigner } : {}),
        reason: outcome.reason,
      };
    }
  }
  return { valid: true, algorithm, ...(firstSigner ? { signer: firstSigner } : {}) };
}

async function verifySigner(
  signedData: pkijs.SignedData,
  index: number,
  data: Uint8Array | undefined,
  engine: pkijs.CryptoEngine,
): Promise<{ valid: boolean; signer?: pkijs.Certificate; reason?: string }> {
  try {
    const result = await signedData.verify(
      { signer: index, extendedMode: true, ...(data ? { data: toArrayBuffer(data) } : {}) },
      engine,
    );
    const signer = result.signerCertificate ?? undefined;
    const digestProblem = signer && gostDigestMismatch(signedData.signerInfos[index], signer);
    if (digestProblem) return { valid: false, signer, reason: digestProblem };
    if (result.signatureVerified !== true) {
      return { valid: false, ...(signer ? { signer } : {}), reason: "signature does not verify" };
    }
    return { valid: true, ...(signer ? { signer } : {}) };
  } catch (error) {
    const signer = error instanceof pkijs.SignedDataVerifyError ? error.signerCertificate : undefined;
    return {
      valid: false,
      ...(signer ? { signer } : {}),
      reason: error instanceof Error ? error.message : String(error),
    };
  }
}

/** A GOST signer must digest with its key's hash (Streebog-256/512, GOST R 34.11-94). */
function gostDigestMismatch(
  signerInfo: pkijs.SignerInfo | undefined,
  signer: pkijs.Certificate,
): string | undefined {
  const scheme = gostSchemeForKeyOid(signer.subjectPublicKeyInfo.algorithm.algorithmId);
  const digestOid = signerInfo?.digestAlgorithm.algorithmId;
  if (!scheme || digestOid === scheme.digestOid) return undefined;
  return `digest algorithm ${digestOid} does not belong to a ${scheme.keyAlgorithm} key (expected ${scheme.digestOid})`;
}

function parseSignedData(der: Uint8Array): pkijs.SignedData {
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1) throw new Error(`CMS is not DER: ${asn1.result.error}`);
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: asn1.result });
  } catch (error) {
    throw new Error(`not a CMS ContentInfo: ${(error as Error).message}`);
  }
  if (contentInfo.contentType !== SIGNED_DATA_OID) {
    throw new Error(`CMS content type ${contentInfo.contentType} is not SignedData`);
  }
  try {
    return new pkijs.SignedData({ schema: contentInfo.content });
  } catch (error) {
    throw new Error(`malformed SignedData: ${(error as Error).message}`);
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
