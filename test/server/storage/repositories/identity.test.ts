import assert from "node:assert/strict";
import { test } from "node:test";
import { addBillingEntry, balanceOf } from "../../../../src/server/storage/repositories/billing.ts";
import {
  findCertificateByFingerprint,
  findOrInsertCertificate,
  listCertificatesOfProfile,
} from "../../../../src/server/storage/repositories/certificates.ts";
import {
  addressSendCount,
  countAttempt,
  findPhoneCode,
  insertPhoneCode,
  markCodeConfirmed,
  phoneSendHistory,
} from "../../../../src/server/storage/repositories/phone-codes.ts";
import {
  findProfileById,
  linkProfileToUser,
  listProfilesOfUser,
  type ProfileFields,
  upsertProfile,
} from "../../../../src/server/storage/repositories/profiles.ts";
import {
  confirmSession,
  findSessionByToken,
  insertSession,
  takeNonce,
  touchSession,
} from "../../../../src/server/storage/repositories/sessions.ts";
import { findOrCreateUser, findUserByPhone } from "../../../../src/server/storage/repositories/users.ts";
import { describeEachBackend } from "../../../support/storage.ts";

const now = 1_790_000_000_000;

function profileFields(key: string, name = "Иванов Иван Иванович"): ProfileFields {
  return { profile_key: key, type: 1, name, company: null, title: null, inn: null, ogrn: null, snils: null };
}

function certificateFields(profileId: number, fingerprint: string) {
  return {
    profile_id: profileId,
    fingerprint,
    der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
    subject_dn: "CN=Test",
    issuer_dn: "CN=CA",
    serial: "01",
    not_before: now - 1000,
    not_after: now + 1000,
    key_algorithm: "ecdsa-p256",
  };
}

describeEachBackend("users", (storage) => {
  test("findOrCreateUser creates a user for a new phone", async () => {
    const user = await findOrCreateUser(storage().db, "79990000001", now);
    assert.equal(user.phone, "79990000001");
    assert.equal(typeof user.id, "number");
  });

  test("findOrCreateUser returns the same user for a known phone", async () => {
    const first = await findOrCreateUser(storage().db, "79990000002", now);
    const second = await findOrCreateUser(storage().db, "79990000002", now + 5);
    assert.equal(second.id, first.id);
  });

  test("findUserByPhone returns undefined for an unknown phone", async () => {
    assert.equal(await findUserByPhone(storage().db, "70000000000"), undefined);
  });
});

describeEachBackend("profiles", (storage) => {
  test("upsertProfile inserts a new profile without a user", async () => {
    const profile = await upsertProfile(storage().db, profileFields("ru:11111111111:-"), now);
    assert.equal(profile.user_id, null);
    assert.equal(profile.name, "Иванов Иван Иванович");
  });

  test("upsertProfile keeps the id and takes new descriptive fields for a known key", async () => {
    const first = await upsertProfile(storage().db, profileFields("ru:22222222222:-"), now);
    const second = await upsertProfile(
      storage().db,
      { ...profileFields("ru:22222222222:-"), title: "Директор" },
      now,
    );
    assert.equal(second.id, first.id);
    assert.equal(second.title, "Директор");
  });

  test("linkProfileToUser attaches the profile and listProfilesOfUser finds it", async () => {
    const user = await findOrCreateUser(storage().db, "79990000003", now);
    const profile = await upsertProfile(storage().db, profileFields("ru:33333333333:-"), now);
    await linkProfileToUser(storage().db, profile.id, user.id);
    assert.equal((await findProfileById(storage().db, profile.id))?.user_id, user.id);
    assert.deepEqual(
      (await listProfilesOfUser(storage().db, user.id)).map((p) => p.id),
      [profile.id],
    );
  });
});

describeEachBackend("certificates", (storage) => {
  test("findOrInsertCertificate stores the DER bytes unchanged", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|A"), now);
    const row = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "aa"), now);
    assert.deepEqual(new Uint8Array(row.der), new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]));
    assert.equal(row.not_after, now + 1000);
  });

  test("findOrInsertCertificate returns the existing row for a known fingerprint", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|B"), now);
    const first = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "bb"), now);
    const second = await findOrInsertCertificate(storage().db, certificateFields(profile.id, "bb"), now + 1);
    assert.equal(second.id, first.id);
    assert.equal((await findCertificateByFingerprint(storage().db, "bb"))?.id, first.id);
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

describeEachBackend("sessions", (storage) => {
  async function newSession(token: string) {
    const profile = await upsertProfile(storage().db, profileFields(`dn:CA|${token}`), now);
    const cert = await findOrInsertCertificate(
      storage().db,
      certificateFields(profile.id, `fp-${token}`),
      now,
    );
    await insertSession(storage().db, {
      token,
      certificate_id: cert.id,
      profile_id: profile.id,
      nonce: new Uint8Array(32).fill(7),
      nonce_expires_at: now + 300_000,
      created_at: now,
      last_seen_at: now,
      client_address: "127.0.0.1",
    });
  }

  test("takeNonce returns the pending nonce once", async () => {
    await newSession("t1");
    const taken = await takeNonce(storage().db, "t1");
    assert.deepEqual(new Uint8Array(taken?.nonce ?? []), new Uint8Array(32).fill(7));
    assert.equal(await takeNonce(storage().db, "t1"), undefined);
  });

  test("two racing takeNonce calls take the nonce exactly once", async () => {
    await newSession("t2");
    const results = await Promise.all([takeNonce(storage().db, "t2"), takeNonce(storage().db, "t2")]);
    assert.equal(results.filter((r) => r !== undefined).length, 1);
  });

  test("confirmSession marks the session confirmed and touchSession moves last_seen_at", async () => {
    await newSession("t3");
    const session = await findSessionByToken(storage().db, "t3");
    assert.ok(session);
    await confirmSession(storage().db, session.id, now + 10);
    await touchSession(storage().db, session.id, now + 20);
    const after = await findSessionByToken(storage().db, "t3");
    assert.equal(after?.confirmed, 1);
    assert.equal(after?.last_seen_at, now + 20);
  });
});

describeEachBackend("phone codes", (storage) => {
  async function newCode(phone: string, address = "10.0.0.1", createdAt = now) {
    const profile = await upsertProfile(storage().db, profileFields(`dn:CA|${phone}|${createdAt}`), now);
    return insertPhoneCode(storage().db, {
      profile_id: profile.id,
      phone,
      code: "123456",
      expires_at: createdAt + 600_000,
      client_address: address,
      created_at: createdAt,
    });
  }

  test("countAttempt allows exactly maxAttempts checks", async () => {
    const id = await newCode("79990000010");
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push(await countAttempt(storage().db, id, 5));
    assert.deepEqual(outcomes, [true, true, true, true, true, false]);
    assert.equal((await findPhoneCode(storage().db, id))?.attempts, 5);
  });

  test("markCodeConfirmed succeeds only once", async () => {
    const id = await newCode("79990000011");
    assert.equal(await markCodeConfirmed(storage().db, id, now), true);
    assert.equal(await markCodeConfirmed(storage().db, id, now), false);
  });

  test("phoneSendHistory counts codes since a time and reports the last one", async () => {
    await newCode("79990000012", "10.0.0.2", now - 7_200_000);
    await newCode("79990000012", "10.0.0.2", now - 1000);
    await newCode("79990000012", "10.0.0.2", now - 500);
    const history = await phoneSendHistory(storage().db, "79990000012", now - 3_600_000);
    assert.deepEqual(history, { lastSentAt: now - 500, sentSince: 2 });
  });

  test("addressSendCount counts codes sent from one address", async () => {
    await newCode("79990000013", "10.0.0.3");
    await newCode("79990000014", "10.0.0.3");
    assert.equal(await addressSendCount(storage().db, "10.0.0.3", now - 1), 2);
  });
});

describeEachBackend("billing", (storage) => {
  test("balanceOf is zero for a profile with no entries", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|bill0"), now);
    assert.equal(await balanceOf(storage().db, profile.id), 0);
  });

  test("balanceOf sums top-ups and charges exactly", async () => {
    const profile = await upsertProfile(storage().db, profileFields("dn:CA|bill1"), now);
    await addBillingEntry(storage().db, { profileId: profile.id, amountMinor: 29_950, reason: "topup" }, now);
    await addBillingEntry(storage().db, { profileId: profile.id, amountMinor: -50, reason: "charge" }, now);
    assert.equal(await balanceOf(storage().db, profile.id), 29_900);
  });
});
