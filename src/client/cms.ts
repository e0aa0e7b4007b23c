/**
 * Detached CMS SignedData (RFC 5652) over a file's plaintext, as the deployed client sends in `cms`: one
 * SignerInfo with the content-type and message-digest signed attributes, and the signer's certificate
 * embedded. pkijs lays out the structures; the signature itself comes from the caller's signer, so GOST
 * keys sign through our own GOST module exactly like the standard ones.
 */
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { bufferSource } from "./crypto/webcrypto.ts";

const OID = {
  signedData: "1.2.840.113549.1.7.2",
  data: "1.2.840.113549.1.7.1",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
} as const;

export interface CmsSigner {
  /** DER of the signer's certificate. */
  readonly certificate: Uint8Array;
  readonly digestOid: string;
  digest(data: Uint8Array): Uint8Array;
  readonly signatureAlgorithm: pkijs.AlgorithmIdentifier;
  /** Signs the DER of the signed attributes (hashing them itself). */
  sign(signedAttributes: Uint8Array): Promise<Uint8Array>;
}

export async function buildDetachedCms(signer: CmsSigner, content: Uint8Array): Promise<Uint8Array> {
  const certificate = pkijs.Certificate.fromBER(bufferSource(signer.certificate));
  const signedAttrs = new pkijs.SignedAndUnsignedAttributes({
    type: 0,
    attributes: [
      new pkijs.Attribute({
        type: OID.contentType,
        values: [new asn1js.ObjectIdentifier({ value: OID.data })],
      }),
      new pkijs.Attribute({
        type: OID.messageDigest,
        values: [new asn1js.OctetString({ valueHex: signer.digest(content) })],
      }),
    ],
  });
  // The signature covers the attributes encoded as a SET (RFC 5652 §5.4), not with the [0] tag they carry.
  const attributesDer = new Uint8Array(signedAttrs.toSchema().toBER(false));
  attributesDer[0] = 0x31;
  const digestAlgorithm = new pkijs.AlgorithmIdentifier({ algorithmId: signer.digestOid });
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({
      issuer: certificate.issuer,
      serialNumber: certificate.serialNumber,
    }),
    digestAlgorithm,
    signedAttrs,
    signatureAlgorithm: signer.signatureAlgorithm,
    signature: new asn1js.OctetString({ valueHex: await signer.sign(attributesDer) }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [digestAlgorithm],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [certificate],
    signerInfos: [signerInfo],
  });
  const contentInfo = new pkijs.ContentInfo({
    contentType: OID.signedData,
    content: signedData.toSchema(true),
  });
  return new Uint8Array(contentInfo.toSchema().toBER(false));
}
