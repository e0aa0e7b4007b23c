/**
 * The subject public key of an X.509 certificate, taken from the DER exactly as stored (never re-encoded),
 * with just enough decoding to pick a key-wrapping scheme.
 */
import * as asn1js from "asn1js";

export interface CertificateKeyAlgorithm {
  readonly algorithmOid: string;
  /** namedCurve for EC keys; publicKeyParamSet (first OID of the parameters) for GOST keys. */
  readonly parameterOid?: string;
}

export interface CertificatePublicKey extends CertificateKeyAlgorithm {
  /** DER of the SubjectPublicKeyInfo. */
  readonly spki: Uint8Array;
  /** Content of the subjectPublicKey BIT STRING (e.g. the 32-byte Ed25519 key). */
  readonly publicKeyBits: Uint8Array;
}

export function certificatePublicKey(certificateDer: Uint8Array): CertificatePublicKey {
  const certificate = decode(certificateDer, "certificate");
  const tbs = itemsOf(certificate, "certificate")[0];
  // tbsCertificate: [0] version (optional), serial, signature, issuer, validity, subject, spki, ...
  const fields = itemsOf(tbs, "tbsCertificate");
  const spkiIndex = fields[0]?.idBlock.tagClass === 3 ? 6 : 5;
  const spki = fields[spkiIndex];
  const [algorithm, bits] = itemsOf(spki, "SubjectPublicKeyInfo");
  const [oid, parameters] = itemsOf(algorithm, "AlgorithmIdentifier");
  if (!(oid instanceof asn1js.ObjectIdentifier) || !(bits instanceof asn1js.BitString) || !spki) {
    throw new Error("certificate: malformed SubjectPublicKeyInfo");
  }
  const parameterOid = firstOid(parameters);
  return {
    algorithmOid: oid.valueBlock.toString(),
    ...(parameterOid === undefined ? {} : { parameterOid }),
    spki: new Uint8Array(spki.valueBeforeDecodeView),
    publicKeyBits: new Uint8Array(bits.valueBlock.valueHexView),
  };
}

function firstOid(node: asn1js.AsnType | undefined): string | undefined {
  if (node instanceof asn1js.ObjectIdentifier) return node.valueBlock.toString();
  if (node instanceof asn1js.Sequence) return firstOid(node.valueBlock.value[0]);
  return undefined;
}

function decode(der: Uint8Array, what: string): asn1js.AsnType {
  const { offset, result } = asn1js.fromBER(der);
  if (offset === -1 || result.error)
    throw new Error(`${what} is not valid DER: ${result.error || "truncated"}`);
  return result;
}

function itemsOf(node: asn1js.AsnType | undefined, what: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) throw new Error(`certificate: ${what} must be a SEQUENCE`);
  return node.valueBlock.value;
}
