// Red-team probe (session 8, review2): a cross-certified intermediate. CA transitions revoke the old
// cross-certificate while the intermediate stays valid under its own root. Both certificates of the intermediate
// (same subject, same key, two issuers) are configured, and the old root's CRL lists the cross-certificate.
// RFC 5280 §6: a leaf with one valid path is valid. pkijs returns one path without looking at CRLs, and
// findRevoked then judges only that one: when it is the path through the revoked cross-certificate, the leaf is
// "revoked" — at login, and now (revokedAuthorities, CRL reload) for every stored certificate under the
// intermediate, whose sessions are ended.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { crlOf, makeCertificate } from "../support/authorities.ts";
import { trustStoreOf } from "../support/pki.ts";

test("a leaf under a cross-certified intermediate stays valid when only the cross-certificate is revoked", async () => {
  const newRoot = await makeCertificate("New root", undefined, { isCA: true });
  const oldRoot = await makeCertificate("Old root", undefined, { isCA: true });
  const keyPair = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const own = await makeCertificate("Intermediate", newRoot, { isCA: true, keyPair });
  const cross = await makeCertificate("Intermediate", oldRoot, { isCA: true, keyPair });
  const leaf = await makeCertificate("Leaf", own, { isCA: false });
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
