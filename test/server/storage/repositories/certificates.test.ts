import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findCertificateByFingerprint,
  findOrInsertCertificate,
  listCertificatesOfProfile,
  storeCertificate,
} from "../../../../src/server/storage/repositories/certificates.ts";
import { upsertProfile } from "../../../../src/server/storage/repositories/profiles.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, now, profileFields, YEAR_MS } from "./fixtures.ts";

describeEachBackend("certificates", (storage) => {
  test("findOrInsertCertificate stores the DER bytes unchanged", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|A"), now);
    const row = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "aa"), now);
    assert.deepEqual(new Uint8Array(row.der), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    assert.equal(row.not_after, now + YEAR_MS);
  });

  test("the key-agreement group is stored with the certificate", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|KA"), now);
    const gost = { ...certificateFields(profile.id, "ka-gost"), key_agreement: "gost2012-256:CryptoPro-A" };
    assert.equal(
      (await findOrInsertCertificate(storage().db, gost, now)).key_agreement,
      "gost2012-256:CryptoPro-A",
    );
    const standard = await findOrInsertCertificate(
      storage().db,
      certificateFields(profile.id, "ka-ecdsa"),
      now,
    );
    assert.equal(standard.key_agreement, null);
  });

  test("findOrInsertCertificate returns the existing row for a known fingerprint", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|B"), now);
    const first = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "bb"), now);
    const second = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "bb"), now + 1);
    assert.equal(second.id, first.id);
    assert.equal((await findCertificateByFingerprint(storage().db, "bb"))?.id, first.id);
  });

  test("storeCertificate tells whether it inserted: once for a new fingerprint, never again", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|D"), now);
    const first = await storeCertificate(storage().db, certificateFields(profile.id, "dd"), now);
    const again = await storeCertificate(storage().db, certificateFields(profile.id, "dd"), now + 1);
    assert.equal(first.inserted, true);
    assert.equal(again.inserted, false);
    assert.equal(again.row.id, first.row.id);
  });

  test("listCertificatesOfProfile lists every certificate of the profile in id order", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|C"), now);
    const a = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "c1"), now);
    const b = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "c2"), now);
    const rows = await listCertificatesOfProfile(storage().db, profile.id);
    assert.deepEqual(
      rows.map((r) => r.id),
      [a.id, b.id],
    );
  });
});
