import { generateKeyPairSync, type KeyObject } from "node:crypto";
import type * as pkijs from "pkijs";
import { type ParsedCertificate, parseCertificate } from "../../src/pki/certificate.ts";
import { AttributeOid } from "../../src/pki/oids.ts";
import {
  buildCertificate,
  buildCrl,
  buildName,
  keyIdentifierOf,
  randomSerialNumber,
} from "../../src/pki/x509-builder.ts";
import { signerForKey } from "../../src/server/test-ca.ts";

const DAY_MS = 86_400_000;

/** A certificate and its private key: a CA that can issue, or a leaf. */
export interface Authority {
  cert: ParsedCertificate;
  key: KeyObject;
}

/** A P-256 certificate for `subjectCn` issued by `issuer` (self-signed without), with its private key. */
export async function makeCertificate(
  subjectCn: string,
  issuer: Authority | undefined,
  opts: {
    isCA: boolean;
    notAfter?: Date;
    omitBasicConstraints?: boolean;
    extraExtensions?: pkijs.Extension[];
    /** Instead of the default for a CA (certificate and CRL signing) or a leaf (digitalSignature). */
    keyUsage?: Parameters<typeof buildCertificate>[0]["keyUsage"];
    /** The subject's key pair (a new one unless given): two certificates of one key, e.g. a cross-certificate. */
    keyPair?: { privateKey: KeyObject; publicKey: KeyObject };
  },
): Promise<Authority> {
  const { privateKey, publicKey } = opts.keyPair ?? generateKeyPairSync("ec", { namedCurve: "P-256" });
  const subject = buildName([{ oid: AttributeOid.commonName, value: subjectCn }]);
  const der = await buildCertificate(
    {
      subject,
      issuer: issuer ? issuer.cert.certificate.subject : subject,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: opts.notAfter ?? new Date(Date.now() + 30 * DAY_MS),
      spki: new Uint8Array(publicKey.export({ format: "der", type: "spki" })),
      isCA: opts.isCA,
      omitBasicConstraints: opts.omitBasicConstraints,
      extraExtensions: opts.extraExtensions,
      keyUsage:
        opts.keyUsage ??
        (opts.isCA || opts.omitBasicConstraints
          ? { keyCertSign: true, cRLSign: true }
          : { digitalSignature: true }),
      ...(issuer ? { authorityKeyId: keyIdentifierOf(issuer.cert.certificate.subjectPublicKeyInfo) } : {}),
    },
    signerForKey(issuer ? issuer.key : privateKey),
  );
  return { cert: parseCertificate(der), key: privateKey };
}

/** A CRL naming `issuer` as its issuer, listing `revoked`, signed with `signedWith` (the issuer's key unless forged). */
export async function crlOf(
  issuer: Authority,
  revoked: Authority[],
  signedWith: Authority = issuer,
): Promise<Uint8Array> {
  return buildCrl(
    {
      issuer: issuer.cert.certificate.subject,
      issuerKeyId: keyIdentifierOf(issuer.cert.certificate.subjectPublicKeyInfo),
      thisUpdate: new Date(Date.now() - DAY_MS),
      nextUpdate: new Date(Date.now() + DAY_MS),
      crlNumber: 1,
      revoked: revoked.map((ca) => ({
        serialNumber: ca.cert.certificate.serialNumber.valueBlock.valueHexView,
        revocationDate: new Date(Date.now() - DAY_MS),
      })),
    },
    signerForKey(signedWith.key),
  );
}
