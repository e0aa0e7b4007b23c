import assert from "node:assert/strict";
import { test } from "node:test";
import {
  findCertificateById,
  findOrInsertCertificate,
  listUnrevokedSerials,
  markCertificatesRevoked,
} from "../../../../src/server/storage/repositories/certificates.ts";
import { insertMessage } from "../../../../src/server/storage/repositories/messages.ts";
import {
  findProfileById,
  linkProfileToUser,
  upsertProfile,
} from "../../../../src/server/storage/repositories/profiles.ts";
import {
  confirmSession,
  deleteEndedSessions,
  dropNonce,
  findPendingLogin,
  findSessionByToken,
  findSessionsWithProfiles,
  findSessionWithProfile,
  insertSession,
  touchSession,
  touchSessions,
} from "../../../../src/server/storage/repositories/sessions.ts";
import { findOrCreateUser } from "../../../../src/server/storage/repositories/users.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, chatOf, type Member, member, message, now, profileFields } from "./fixtures.ts";

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

  test("confirmSession confirms once, clearing the nonce; touchSession moves last_seen_at", async () => {
    await newSession("t1");
    const session = await findSessionByToken(storage().db, "t1");
    assert.ok(session);
    assert.equal(await confirmSession(storage().db, session.id, now + 10), true);
    assert.equal(await confirmSession(storage().db, session.id, now + 15), false);
    await touchSession(storage().db, session.id, now + 20);
    const after = await findSessionByToken(storage().db, "t1");
    assert.equal(after?.confirmed, 1);
    assert.equal(after?.nonce, null);
    assert.equal(after?.last_seen_at, now + 20);
  });

  test("of two racing confirmSession calls exactly one succeeds", async () => {
    await newSession("t2");
    const session = await findSessionByToken(storage().db, "t2");
    assert.ok(session);
    const results = await Promise.all([
      confirmSession(storage().db, session.id, now),
      confirmSession(storage().db, session.id, now),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  test("after dropNonce the session can no longer be confirmed", async () => {
    await newSession("t3");
    const session = await findSessionByToken(storage().db, "t3");
    assert.ok(session);
    await dropNonce(storage().db, session.id);
    assert.equal((await findSessionByToken(storage().db, "t3"))?.nonce, null);
    assert.equal(await confirmSession(storage().db, session.id, now), false);
  });

  test("findSessionWithProfile returns the session and its profile in one row, or undefined", async () => {
    await newSession("t4");
    const found = await findSessionWithProfile(storage().db, "t4");
    assert.deepEqual(found?.session, await findSessionByToken(storage().db, "t4"));
    assert.deepEqual(found?.profile, await findProfileById(storage().db, found?.session.profile_id ?? 0));
    assert.equal(await findSessionWithProfile(storage().db, "no-such-token"), undefined);
  });

  test("findPendingLogin returns the session, its certificate's DER and its profile's user, or undefined", async () => {
    await newSession("pending");
    const found = await findPendingLogin(storage().db, "pending");
    const session = await findSessionByToken(storage().db, "pending");
    assert.deepEqual(found?.session, session);
    const certificate = await findCertificateById(storage().db, session?.certificate_id ?? 0);
    assert.deepEqual(new Uint8Array(found?.certificateDer ?? []), new Uint8Array(certificate?.der ?? [1]));
    assert.equal(found?.userId, null);
    assert.equal(await findPendingLogin(storage().db, "no-such-token"), undefined);
    assert.equal(await findPendingLogin(storage().db, "a\u0000b"), undefined);
  });

  test("findPendingLogin gives the certificate's end and its revocation mark", async () => {
    await newSession("pending-mark");
    const session = await findSessionByToken(storage().db, "pending-mark");
    const certificate = await findCertificateById(storage().db, session?.certificate_id ?? 0);
    assert.deepEqual((await findPendingLogin(storage().db, "pending-mark"))?.certificate, {
      notAfter: certificate?.not_after,
      revokedAt: null,
    });
    await markCertificatesRevoked(storage().db, [certificate?.id ?? 0], now + 7);
    assert.equal((await findPendingLogin(storage().db, "pending-mark"))?.certificate?.revokedAt, now + 7);
  });

  test("findPendingLogin gives the user of a profile whose phone is confirmed", async () => {
    await newSession("pending-user");
    const profileId = (await findSessionByToken(storage().db, "pending-user"))?.profile_id ?? 0;
    const user = await findOrCreateUser(storage().db, "+79990000001", now);
    await linkProfileToUser(storage().db, profileId, user.id);
    assert.equal((await findPendingLogin(storage().db, "pending-user"))?.userId, user.id);
  });

  test("findSessionsWithProfiles finds many tokens at once, in chunks, and leaves out unknown ones", async () => {
    const tokens = Array.from({ length: 3 }, (_, i) => `many-${i}`);
    for (const token of tokens) await newSession(token);
    // More than one chunk of 500, mostly unknown tokens, and one that cannot be a token at all.
    const asked = [...tokens, ...Array.from({ length: 1200 }, (_, i) => `unknown-${i}`), "a\u0000b"];
    const found = await findSessionsWithProfiles(storage().db, asked);
    assert.deepEqual([...found.keys()].sort(), tokens);
    for (const token of tokens)
      assert.deepEqual(found.get(token), await findSessionWithProfile(storage().db, token));
  });

  test("touchSessions moves last_seen_at of every session given and no other", async () => {
    for (const token of ["touch-a", "touch-b", "touch-c"]) await newSession(token);
    const ids = await Promise.all(
      ["touch-a", "touch-b"].map(async (token) => (await findSessionByToken(storage().db, token))?.id ?? 0),
    );
    await touchSessions(storage().db, ids, now + 99);
    assert.equal((await findSessionByToken(storage().db, "touch-a"))?.last_seen_at, now + 99);
    assert.equal((await findSessionByToken(storage().db, "touch-b"))?.last_seen_at, now + 99);
    assert.equal((await findSessionByToken(storage().db, "touch-c"))?.last_seen_at, now);
  });
});

describeEachBackend("ended sessions", (storage) => {
  const policy = { now, idleMs: 3_600_000, maxAgeMs: 30 * 86_400_000, retentionMs: 86_400_000 };

  /** A confirmed member session (see fixtures.member), then `change` applied to its session and certificate. */
  async function session(
    key: string,
    change: { session?: Record<string, number>; certificate?: Record<string, number> } = {},
  ): Promise<Member> {
    const m = await member(storage(), key, null);
    await storage()
      .db.updateTable("sessions")
      .set({ confirmed: 1, ...change.session })
      .where("id", "=", m.sessionId)
      .execute();
    if (change.certificate) {
      await storage()
        .db.updateTable("certificates")
        .set(change.certificate)
        .where("id", "=", m.certificateId)
        .execute();
    }
    return m;
  }

  async function remaining(members: Member[]): Promise<number[]> {
    const rows = await storage()
      .db.selectFrom("sessions")
      .select("id")
      .where(
        "id",
        "in",
        members.map((m) => m.sessionId),
      )
      .execute();
    return rows.map((row) => row.id).sort((a, b) => a - b);
  }

  test("deleteEndedSessions deletes sessions ended over the retention ago, and stale unconfirmed logins", async () => {
    const pastRetention = now - policy.retentionMs - 1;
    const live = await session("end-live");
    const idleRecently = await session("end-idle-recent", {
      session: { last_seen_at: now - policy.idleMs - 1 },
    });
    const idle = await session("end-idle", { session: { last_seen_at: pastRetention - policy.idleMs } });
    const old = await session("end-old", { session: { created_at: pastRetention - policy.maxAgeMs } });
    const expired = await session("end-expired", { certificate: { not_after: pastRetention } });
    const revoked = await session("end-revoked", { certificate: { revoked_at: pastRetention } });
    const unconfirmed = await session("end-unconfirmed", {
      session: { confirmed: 0, nonce_expires_at: now - 1 },
    });
    const pending = await session("end-pending", { session: { confirmed: 0, nonce_expires_at: now + 1 } });
    const all = [live, idleRecently, idle, old, expired, revoked, unconfirmed, pending];
    assert.equal(await deleteEndedSessions(storage().db, policy), 5);
    assert.deepEqual(await remaining(all), [live.sessionId, idleRecently.sessionId, pending.sessionId]);
  });

  test("deleteEndedSessions keeps an ended session that messages refer to", async () => {
    const sender = await session("end-sender", { certificate: { not_after: now - 2 * policy.retentionMs } });
    await insertMessage(storage().db, message(await chatOf(storage(), sender, []), sender));
    assert.equal(await deleteEndedSessions(storage().db, policy), 0);
    assert.deepEqual(await remaining([sender]), [sender.sessionId]);
  });

  test("markCertificatesRevoked sets revoked_at once, and listUnrevokedSerials then skips the certificate", async () => {
    const m = await session("end-mark");
    await markCertificatesRevoked(storage().db, [m.certificateId], now);
    await markCertificatesRevoked(storage().db, [m.certificateId], now + 5);
    const row = await findCertificateById(storage().db, m.certificateId);
    assert.equal(row?.revoked_at, now);
    const listed = await listUnrevokedSerials(storage().db, 0, 10_000);
    assert.ok(!listed.some((candidate) => candidate.id === m.certificateId));
  });
});
