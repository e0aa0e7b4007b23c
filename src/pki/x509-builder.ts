import { sha1 } from "@noble/hashes/legacy.js";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";
import { AttributeOid, ExtensionOid } from "./oids.ts";

/**
 * Builds and signs X.509 certificates and CRLs. pkijs lays out the structures; the signature comes from a
 * `CertificateSigner` (src/pki/private-key.ts for PKCS#8 keys, GOST included; the test CA's freshly generated
 * node:crypto keys in src/server/test-ca.ts), so every key type signs the same way.
 */

export interface CertificateSigner {
  algorithm: pkijs.AlgorithmIdentifier;
  /** The signature value over the TBS bytes, in the layout X.509 and CMS use (ECDSA DER, GOST s || r). */
  sign(tbs: Uint8Array): Promise<Uint8Array>;
}

export interface NameAttribute {
  oid: string;
  value: string;
}

/** String type per attribute: Russian ids are NumericString, country PrintableString, e-mail IA5String. */
function attributeValue({ oid, value }: NameAttribute): asn1js.BaseBlock {
  switch (oid) {
    case AttributeOid.inn:
    case AttributeOid.innle:
    case AttributeOid.ogrn:
    case AttributeOid.ogrnip:
    case AttributeOid.snils:
      return new asn1js.NumericString({ value });
    case AttributeOid.country:
      return new asn1js.PrintableString({ value });
    case AttributeOid.email:
      return new asn1js.IA5String({ value });
    default:
      return new asn1js.Utf8String({ value });
  }
}

/** A Name with one attribute per RDN, in the given order (pkijs alone would make one multi-valued RDN). */
export function buildName(attributes: readonly NameAttribute[]): pkijs.RelativeDistinguishedNames {
  const der = new asn1js.Sequence({
    value: attributes.map(
      (attribute) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [new asn1js.ObjectIdentifier({ value: attribute.oid }), attributeValue(attribute)],
            }),
          ],
        }),
    ),
  }).toBER(false);
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function certificateTime(date: Date): pkijs.Time {
  return new pkijs.Time({ type: date.getUTCFullYear() < 2050 ? 0 : 1, value: date });
}

export function randomSerialNumber(): Uint8Array {
  const serial = globalThis.crypto.getRandomValues(new Uint8Array(16));
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x01; // positive, and no leading zero byte to strip
  return serial;
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifierOf(publicKeyInfo: pkijs.PublicKeyInfo): Uint8Array {
  return sha1(publicKeyInfo.subjectPublicKey.valueBlock.valueHexView);
}

export interface KeyUsageBits {
  digitalSignature?: boolean;
  nonRepudiation?: boolean;
  keyEncipherment?: boolean;
  dataEncipherment?: boolean;
  keyAgreement?: boolean;
  keyCertSign?: boolean;
  cRLSign?: boolean;
}

function keyUsageExtension(bits: KeyUsageBits): pkijs.Extension {
  const order: Array<keyof KeyUsageBits> = [
    "digitalSignature",
    "nonRepudiation",
    "keyEncipherment",
    "dataEncipherment",
    "keyAgreement",
    "keyCertSign",
    "cRLSign",
  ];
  let byte = 0;
  let highest = -1;
  order.forEach((name, index) => {
    if (bits[name]) {
      byte |= 0x80 >> index;
      highest = index;
    }
  });
  // DER named bit list: unused trailing bits are dropped.
  const unusedBits = highest < 0 ? 0 : 7 - highest;
  const bitString = new asn1js.BitString({ valueHex: new Uint8Array([byte]).buffer, unusedBits });
  return new pkijs.Extension({
    extnID: ExtensionOid.keyUsage,
    critical: true,
    extnValue: bitString.toBER(false),
    parsedValue: bitString,
  });
}

export interface CertificateTemplate {
  subject: pkijs.RelativeDistinguishedNames;
  issuer: pkijs.RelativeDistinguishedNames;
  serialNumber: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the subject's key. */
  spki: Uint8Array;
  isCA: boolean;
  /** basicConstraints pathLenConstraint of a CA; absent = unlimited. */
  pathLenConstraint?: number;
  keyUsage: KeyUsageBits;
  /** Subject key identifier of the issuer; absent for a self-signed certificate. */
  authorityKeyId?: Uint8Array;
  /** Leave basicConstraints out, as older CA roots do (tests of RFC 5280 leftovers). */
  omitBasicConstraints?: boolean;
  /** Further extensions (extendedKeyUsage, or unknown ones for tests). */
  extraExtensions?: pkijs.Extension[];
}

export async function buildCertificate(
  template: CertificateTemplate,
  signer: CertificateSigner,
): Promise<Uint8Array> {
  const publicKeyInfo = pkijs.PublicKeyInfo.fromBER(new Uint8Array(template.spki));
  const subjectKeyId = keyIdentifierOf(publicKeyInfo);
  const basicConstraints = new pkijs.BasicConstraints({
    cA: template.isCA,
    ...(template.isCA && template.pathLenConstraint !== undefined
      ? { pathLenConstraint: template.pathLenConstraint }
      : {}),
  });
  const extensions = [
    ...(template.omitBasicConstraints
      ? []
      : [
          new pkijs.Extension({
            extnID: ExtensionOid.basicConstraints,
            critical: true,
            extnValue: basicConstraints.toSchema().toBER(false),
            parsedValue: basicConstraints,
          }),
        ]),
    keyUsageExtension(template.keyUsage),
    new pkijs.Extension({
      extnID: ExtensionOid.subjectKeyIdentifier,
      critical: false,
      extnValue: new asn1js.OctetString({ valueHex: subjectKeyId }).toBER(false),
    }),
    new pkijs.Extension({
      extnID: ExtensionOid.authorityKeyIdentifier,
      critical: false,
      extnValue: new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: template.authorityKeyId ?? subjectKeyId }),
      })
        .toSchema()
        .toBER(false),
    }),
    ...(template.extraExtensions ?? []),
  ];
  const certificate = new pkijs.Certificate({
    version: 2,
    serialNumber: new asn1js.Integer({ valueHex: template.serialNumber }),
    signature: signer.algorithm,
    issuer: template.issuer,
    subject: template.subject,
    notBefore: certificateTime(template.notBefore),
    notAfter: certificateTime(template.notAfter),
    subjectPublicKeyInfo: publicKeyInfo,
    extensions,
  });
  const tbs = new Uint8Array(certificate.encodeTBS().toBER(false));
  certificate.tbsView = tbs;
  certificate.signatureAlgorithm = signer.algorithm;
  certificate.signatureValue = new asn1js.BitString({ valueHex: await signer.sign(tbs) });
  return new Uint8Array(certificate.toSchema().toBER(false));
}

export interface CrlTemplate {
  issuer: pkijs.RelativeDistinguishedNames;
  issuerKeyId: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
  crlNumber: number;
  revoked: ReadonlyArray<{ serialNumber: Uint8Array; revocationDate: Date }>;
}

export async function buildCrl(template: CrlTemplate, signer: CertificateSigner): Promise<Uint8Array> {
  const crl = new pkijs.CertificateRevocationList({
    version: 1,
    signature: signer.algorithm,
    issuer: template.issuer,
    thisUpdate: certificateTime(template.thisUpdate),
    nextUpdate: certificateTime(template.nextUpdate),
    crlExtensions: new pkijs.Extensions({
      extensions: [
        new pkijs.Extension({
          extnID: ExtensionOid.authorityKeyIdentifier,
          critical: false,
          extnValue: new pkijs.AuthorityKeyIdentifier({
            keyIdentifier: new asn1js.OctetString({ valueHex: template.issuerKeyId }),
          })
            .toSchema()
            .toBER(false),
        }),
        new pkijs.Extension({
          extnID: ExtensionOid.cRLNumber,
          critical: false,
          extnValue: new asn1js.Integer({ value: template.crlNumber }).toBER(false),
        }),
      ],
    }),
  });
  if (template.revoked.length > 0) {
    crl.revokedCertificates = template.revoked.map(
      (entry) =>
        new pkijs.RevokedCertificate({
          userCertificate: new asn1js.Integer({ valueHex: entry.serialNumber }),
          revocationDate: certificateTime(entry.revocationDate),
        }),
    );
  }
  // encodeTBS is protected on CRLs; toSchema(true) encodes the same TBS as its first element.
  const tbsSchema = crl.toSchema(true).valueBlock.value[0];
  if (!tbsSchema) throw new Error("pkijs produced no TBSCertList");
  const tbs = new Uint8Array(tbsSchema.toBER(false));
  crl.tbsView = tbs;
  crl.signatureAlgorithm = signer.algorithm;
  crl.signatureValue = new asn1js.BitString({ valueHex: await signer.sign(tbs) });
  return new Uint8Array(crl.toSchema().toBER(false));
}
