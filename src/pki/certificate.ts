import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { base64ToBytes, latin1 } from "./bytes.ts";
import { attributeValueText, formatDistinguishedName } from "./distinguished-name.ts";
import { AttributeOid, CurveOid, ExtensionOid, KeyOid } from "./oids.ts";
import { decodePemBlocks, looksLikePem } from "./pem.ts";

export interface SubjectInfo {
  commonName?: string;
  surname?: string;
  givenName?: string;
  organization?: string;
  title?: string;
  inn?: string;
  innle?: string;
  ogrn?: string;
  ogrnip?: string;
  snils?: string;
  email?: string;
}

export type KeyAlgorithm =
  | "ecdsa-p256"
  | "ecdsa-p384"
  | "ecdsa-p521"
  | "rsa"
  | "rsa-pss"
  | "ed25519"
  | "gost2012-256"
  | "gost2012-512"
  | "gost2001"
  | "unknown";

export interface KeyUsageFlags {
  digitalSignature: boolean;
  nonRepudiation: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
  keyEncipherment: boolean;
  keyAgreement: boolean;
}

export interface ParsedCertificate {
  /** The certificate exactly as received: never re-encoded. */
  der: Uint8Array;
  /** SHA-256 of `der`, lower-case hex. */
  fingerprint: string;
  /** Lower-case hex, without the sign-padding zero byte. */
  serialNumber: string;
  /** RFC 4514 style, stable across string types: used as a profile key. */
  subjectDn: string;
  issuerDn: string;
  subject: SubjectInfo;
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm: KeyAlgorithm;
  keyAlgorithmOid: string;
  /** EC curve OID, or the GOST publicKeyParamSet OID. */
  keyParamsOid?: string;
  /** Absent when the certificate has no keyUsage extension. */
  keyUsage?: KeyUsageFlags;
  isCA: boolean;
  certificate: pkijs.Certificate;
}

export class CertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CertificateError";
  }
}

/** Certificates are a few KiB; anything far larger is an attack on the parser, not a certificate. */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (!(der instanceof Uint8Array) || der.byteLength === 0) throw new CertificateError("empty certificate");
  if (der.byteLength > MAX_CERTIFICATE_BYTES) {
    throw new CertificateError(`certificate too large (${der.byteLength} bytes)`);
  }
  const bytes = new Uint8Array(der); // own copy: callers may reuse their buffer
  const certificate = decodeAsn1Certificate(bytes);
  try {
    const spki = certificate.subjectPublicKeyInfo;
    const keyAlgorithmOid = spki.algorithm.algorithmId;
    const keyParamsOid = readKeyParamsOid(spki.algorithm.algorithmParams);
    return {
      der: bytes,
      fingerprint: bytesToHex(sha256(bytes)),
      serialNumber: serialHex(certificate.serialNumber.valueBlock.valueHexView),
      subjectDn: formatDistinguishedName(certificate.subject),
      issuerDn: formatDistinguishedName(certificate.issuer),
      subject: readSubjectInfo(certificate.subject),
      notBefore: certificate.notBefore.value,
      notAfter: certificate.notAfter.value,
      keyAlgorithm: classifyKeyAlgorithm(keyAlgorithmOid, keyParamsOid),
      keyAlgorithmOid,
      ...(keyParamsOid ? { keyParamsOid } : {}),
      ...readKeyUsage(certificate),
      isCA: readIsCA(certificate),
      certificate,
    };
  } catch (error) {
    if (error instanceof CertificateError) throw error;
    throw new CertificateError(`malformed certificate: ${(error as Error).message}`);
  }
}

function decodeAsn1Certificate(bytes: Uint8Array): pkijs.Certificate {
  const asn1 = asn1js.fromBER(bytes);
  if (asn1.offset === -1) throw new CertificateError(`not DER: ${asn1.result.error}`);
  if (asn1.offset !== bytes.byteLength) throw new CertificateError("trailing bytes after the certificate");
  try {
    return new pkijs.Certificate({ schema: asn1.result });
  } catch (error) {
    throw new CertificateError(`not an X.509 certificate: ${(error as Error).message}`);
  }
}

/** PEM (the first CERTIFICATE block), bare base64 (standard or URL-safe) or DER → DER. */
export function decodeCertificateText(input: string | Uint8Array): Uint8Array {
  if (typeof input !== "string") {
    if (!(input instanceof Uint8Array)) throw new CertificateError("certificate must be a string or bytes");
    if (input[0] === 0x30) return new Uint8Array(input);
    return decodeCertificateText(latin1(input));
  }
  // Base64 of the largest accepted certificate, plus room for PEM armour and line breaks.
  if (input.length > MAX_CERTIFICATE_BYTES * 2) throw new CertificateError("certificate text too large");
  if (looksLikePem(input)) {
    const block = decodePemBlocks(input).find((b) => b.label.endsWith("CERTIFICATE"));
    if (!block) throw new CertificateError("no CERTIFICATE block in the PEM text");
    if (block.der.byteLength === 0) throw new CertificateError("empty PEM block");
    return block.der;
  }
  return decodeBase64(input);
}

function decodeBase64(text: string): Uint8Array {
  let compact = text.replace(/[\r\n\t]/g, "").trim();
  // A form-encoded body whose "+" was not escaped arrives with spaces in its place.
  if (compact.includes(" ") && !compact.includes("+")) compact = compact.replaceAll(" ", "+");
  compact = compact.replace(/ /g, "");
  if (compact.length === 0) throw new CertificateError("empty certificate");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact))
    throw new CertificateError("certificate is not PEM, base64 or DER");
  const der = base64ToBytes(compact);
  if (der.byteLength === 0) throw new CertificateError("empty certificate");
  return der;
}

/** A serial number as stored and compared: lower-case hex without leading zero bytes. */
export function serialHex(bytes: Uint8Array): string {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return bytesToHex(bytes.subarray(start));
}

function readKeyParamsOid(params: unknown): string | undefined {
  if (params instanceof asn1js.ObjectIdentifier) return params.valueBlock.toString();
  // GOST: SEQUENCE { publicKeyParamSet OID, digestParamSet OID OPTIONAL, ... }
  if (params instanceof asn1js.Sequence) {
    const first = params.valueBlock.value[0];
    if (first instanceof asn1js.ObjectIdentifier) return first.valueBlock.toString();
  }
  return undefined;
}

function classifyKeyAlgorithm(oid: string, paramsOid: string | undefined): KeyAlgorithm {
  switch (oid) {
    case KeyOid.ecPublicKey:
      if (paramsOid === CurveOid.p256) return "ecdsa-p256";
      if (paramsOid === CurveOid.p384) return "ecdsa-p384";
      if (paramsOid === CurveOid.p521) return "ecdsa-p521";
      return "unknown";
    case KeyOid.rsaEncryption:
      return "rsa";
    case KeyOid.rsassaPss:
      return "rsa-pss";
    case KeyOid.ed25519:
      return "ed25519";
    case KeyOid.gost2012_256:
      return "gost2012-256";
    case KeyOid.gost2012_512:
      return "gost2012-512";
    case KeyOid.gost2001:
      return "gost2001";
    default:
      return "unknown";
  }
}

const SUBJECT_FIELDS: ReadonlyArray<[string, keyof SubjectInfo]> = [
  [AttributeOid.commonName, "commonName"],
  [AttributeOid.surname, "surname"],
  [AttributeOid.givenName, "givenName"],
  [AttributeOid.organization, "organization"],
  [AttributeOid.title, "title"],
  [AttributeOid.inn, "inn"],
  [AttributeOid.innle, "innle"],
  [AttributeOid.ogrn, "ogrn"],
  [AttributeOid.ogrnip, "ogrnip"],
  [AttributeOid.snils, "snils"],
  [AttributeOid.email, "email"],
];

/** The first value of each known attribute of a name (a certificate's subject, or its issuer), trimmed. */
export function readSubjectInfo(name: pkijs.RelativeDistinguishedNames): SubjectInfo {
  const info: SubjectInfo = {};
  for (const [oid, field] of SUBJECT_FIELDS) {
    const attribute = name.typesAndValues.find((tv) => tv.type === oid);
    const text = attribute ? attributeValueText(attribute.value)?.trim() : undefined;
    if (text) info[field] = text;
  }
  return info;
}

function findExtension(certificate: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return certificate.extensions?.find((extension) => extension.extnID === oid);
}

function readKeyUsage(certificate: pkijs.Certificate): { keyUsage?: KeyUsageFlags } {
  const extension = findExtension(certificate, ExtensionOid.keyUsage);
  if (!extension) return {};
  const bits = extension.parsedValue;
  if (!(bits instanceof asn1js.BitString)) throw new CertificateError("malformed keyUsage extension");
  // Named bits count from the most significant bit of the first byte (X.690 §8.6).
  const first = bits.valueBlock.valueHexView[0] ?? 0;
  return {
    keyUsage: {
      digitalSignature: (first & 0x80) !== 0,
      nonRepudiation: (first & 0x40) !== 0,
      keyEncipherment: (first & 0x20) !== 0,
      keyAgreement: (first & 0x08) !== 0,
      keyCertSign: (first & 0x04) !== 0,
      cRLSign: (first & 0x02) !== 0,
    },
  };
}

function readIsCA(certificate: pkijs.Certificate): boolean {
  const parsed = findExtension(certificate, ExtensionOid.basicConstraints)?.parsedValue;
  return parsed instanceof pkijs.BasicConstraints && parsed.cA === true;
}
