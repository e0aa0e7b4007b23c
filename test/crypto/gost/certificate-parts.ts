/**
 * Test helper: the original DER pieces of an X.509 certificate, CSR or CRL (never re-encoded), so GOST
 * vectors can be checked field by field.
 */
import * as asn1js from "asn1js";
import { readVector } from "../../support/vectors.ts";

export interface SignedObjectParts {
  /** The signed bytes: tbsCertificate / certificationRequestInfo / tbsCertList, as stored. */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithmOid: string;
  /** BIT STRING content (s || r big-endian for GOST). */
  readonly signature: Uint8Array;
  /** DER of the SubjectPublicKeyInfo, when the object carries one (certificate, CSR). */
  readonly spki?: Uint8Array;
}

export function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const base64 = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, "").replace(/\s+/g, "");
  return new Uint8Array(Buffer.from(base64, "base64"));
}

export function readPemVector(relative: string): Uint8Array<ArrayBuffer> {
  return pemToDer(readVector(relative).toString("utf8"));
}

export function signedObjectParts(der: Uint8Array): SignedObjectParts {
  const { result } = asn1js.fromBER(der);
  const [tbs, algorithm, signature] = itemsOf(result);
  const [algorithmOid] = itemsOf(algorithm);
  if (!(algorithmOid instanceof asn1js.ObjectIdentifier) || !(signature instanceof asn1js.BitString)) {
    throw new Error("not a signed X.509 object");
  }
  const spki = itemsOf(tbs).find(isSubjectPublicKeyInfo);
  return {
    tbs: new Uint8Array(bytesOf(tbs)),
    signatureAlgorithmOid: algorithmOid.valueBlock.toString(),
    signature: new Uint8Array(signature.valueBlock.valueHexView),
    ...(spki ? { spki: new Uint8Array(bytesOf(spki)) } : {}),
  };
}

function itemsOf(node: asn1js.AsnType | undefined): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) throw new Error("expected a SEQUENCE");
  return node.valueBlock.value;
}

function bytesOf(node: asn1js.AsnType | undefined): Uint8Array {
  if (!node) throw new Error("missing element");
  return node.valueBeforeDecodeView;
}

/** SEQUENCE { SEQUENCE { OID, ... }, BIT STRING } */
function isSubjectPublicKeyInfo(node: asn1js.AsnType): boolean {
  if (!(node instanceof asn1js.Sequence)) return false;
  const [algorithm, key] = node.valueBlock.value;
  return (
    algorithm instanceof asn1js.Sequence &&
    algorithm.valueBlock.value[0] instanceof asn1js.ObjectIdentifier &&
    key instanceof asn1js.BitString
  );
}
