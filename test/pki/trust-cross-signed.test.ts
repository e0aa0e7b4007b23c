// Red-team probe (session 8, review2): a cross-certified intermediate. CA transitions revoke the old
// cross-certificate while the intermediate stays valid under its own root. Both certificates of the intermediate
// (same subject, same key, two issuers) are configured, and the old root's CRL lists the cross-certificate.
// RFC 5280 §6: a leaf with one valid path is valid. pkijs returns one path without looking at CRLs, and
// findRevoked then judges only that one: when it is the path through the revoked cross-certificate, the leaf is
// "revoked" — at login, and now (revokedAuthorities, CRL reload) for every stored certificate under the
// intermediate, whose sessions are ended.
import assert from "node:assert/strict";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { test } from "node:test";
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
import { trustStoreOf } from "../support/pki.ts";

const DAY_MS = 86_400_000;

interface Authority {
  cert: ParsedCertificate;
  key: KeyObject;
}

/** A certificate for `cn` with `key` (a new one unless given), issued by `issuer` (self-signed without). */
async function certify(
  cn: string,
  issuer: Authority | undefined,
  isCA: boolean,
  key = generateKeyPairSync("ec", { namedCurve: "P-256" }),
): Promise<Authority> {
  const subject = buildName([{ oid: AttributeOid.commonName, value: cn }]);
  const der = await buildCertificate(
    {
      subject,
      issuer: issuer ? issuer.cert.certificate.subject : subject,
      serialNumber: randomSerialNumber(),
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 30 * DAY_MS),
      spki: new Uint8Array(key.publicKey.export({ format: "der", type: "spki" })),
      isCA,
      keyUsage: isCA ? { keyCertSign: true, cRLSign: true } : { digitalSignature: true },
      ...(issuer ? { authorityKeyId: keyIdentifierOf(issuer.cert.certificate.subjectPublicKeyInfo) } : {}),
    },
    signerForKey(issuer ? issuer.key : key.privateKey),
  );
  return { cert: parseCertificate(der), key: key.privateKey };
}

async function crlOf(issuer: Authority, revoked: Authority[]): Promise<Uint8Array> {
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
    signerForKey(issuer.key),
  );
}

test("a leaf under a cross-certified intermediate stays valid when only the cross-certificate is revoked", async () => {
  const newRoot = await certify("New root", undefined, true);
  const oldRoot = await certify("Old root", undefined, true);
  const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const own = await certify("Intermediate", newRoot, true, key);
  const cross = await certify("Intermediate", oldRoot, true, key);
  const leaf = await certify("Leaf", own, false);
  const crl = await crlOf(oldRoot, [cross]);
  // Either order of configuration: the operator's files are read in whatever order they come.
  for (const anchors of [
    [newRoot.cert, oldRoot.cert, own.cert, cross.cert],
    [newRoot.cert, oldRoot.cert, cross.cert, own.cert],
  ]) {
    const status = await trustStoreOf(anchors, [crl]).check(leaf.cert);
    assert.deepEqual(status, { ok: true, qualified: false });
  }
});
