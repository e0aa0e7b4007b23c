import assert from "node:assert/strict";
import { test } from "node:test";
import {
  listConfirmedSessions,
  revokeSessions,
} from "../../../../src/server/storage/repositories/session-admin.ts";
import {
  confirmSession,
  findSessionByToken,
  insertSession,
} from "../../../../src/server/storage/repositories/sessions.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { member, now } from "./fixtures.ts";

describeEachBackend("session administration", (storage) => {
  /** A second, confirmed session of the same profile and certificate as `of`. */
  async function anotherSession(of: { profileId: number; certificateId: number }, token: string) {
    await insertSession(storage().db, {
      token,
      certificate_id: of.certificateId,
      profile_id: of.profileId,
      nonce: new Uint8Array(32),
      nonce_expires_at: now + 1000,
      created_at: now,
      last_seen_at: now,
      client_address: "10.0.0.2",
    });
    const session = await findSessionByToken(storage().db, token);
    assert.ok(session);
    assert.equal(await confirmSession(storage().db, session.id, now + 5), true);
    return session.id;
  }

  test("listing shows confirmed sessions of a profile with certificate and profile, newest first", async () => {
    const alice = await member(storage(), "sa-list", "79990000101");
    const second = await anotherSession(alice, "sa-list-2");
    const listed = await listConfirmedSessions(storage().db, {
      selector: { profileId: alice.profileId },
      limit: 10,
    });
    // The fixture's own session was never confirmed (nonce null, confirmed 0), so only the second is live.
    assert.deepEqual(listed, [
      {
        id: second,
        profileId: alice.profileId,
        profileName: "Name sa-list",
        certificateId: alice.certificateId,
        fingerprint: "fp-sa-list",
        createdAt: now,
        lastSeenAt: now + 5,
        clientAddress: "10.0.0.2",
      },
    ]);
  });

  test("seenSince leaves out sessions idle since before it", async () => {
    const bob = await member(storage(), "sa-idle", "79990000102");
    await anotherSession(bob, "sa-idle-2");
    const selector = { profileId: bob.profileId };
    assert.equal(
      (await listConfirmedSessions(storage().db, { selector, seenSince: now + 5, limit: 10 })).length,
      1,
    );
    assert.equal(
      (await listConfirmedSessions(storage().db, { selector, seenSince: now + 6, limit: 10 })).length,
      0,
    );
  });

  test("revoking one session leaves the profile's other sessions confirmed", async () => {
    const carol = await member(storage(), "sa-one", "79990000103");
    const first = await anotherSession(carol, "sa-one-1");
    const second = await anotherSession(carol, "sa-one-2");
    assert.equal(await revokeSessions(storage().db, { sessionId: first }), 1);
    assert.equal((await findSessionByToken(storage().db, "sa-one-1"))?.confirmed, 0);
    const left = await listConfirmedSessions(storage().db, {
      selector: { profileId: carol.profileId },
      limit: 10,
    });
    assert.deepEqual(
      left.map((session) => session.id),
      [second],
    );
  });

  test("revoking by certificate revokes every session of that certificate only", async () => {
    const dave = await member(storage(), "sa-cert", "79990000104");
    const erin = await member(storage(), "sa-cert-other", "79990000105");
    await anotherSession(dave, "sa-cert-1");
    await anotherSession(dave, "sa-cert-2");
    await anotherSession(erin, "sa-cert-3");
    assert.equal(await revokeSessions(storage().db, { certificateId: dave.certificateId }), 2);
    assert.equal((await findSessionByToken(storage().db, "sa-cert-3"))?.confirmed, 1);
  });

  test("revoking a profile also kills its pending login: the nonce is gone, it cannot be confirmed", async () => {
    const frank = await member(storage(), "sa-pending", "79990000106");
    await insertSession(storage().db, {
      token: "sa-pending-1",
      certificate_id: frank.certificateId,
      profile_id: frank.profileId,
      nonce: new Uint8Array(32),
      nonce_expires_at: now + 1000,
      created_at: now,
      last_seen_at: now,
      client_address: "10.0.0.3",
    });
    assert.equal(await revokeSessions(storage().db, { profileId: frank.profileId }), 1);
    const pending = await findSessionByToken(storage().db, "sa-pending-1");
    assert.ok(pending);
    assert.equal(pending.nonce, null);
    assert.equal(await confirmSession(storage().db, pending.id, now + 10), false);
  });

  test("revoking again finds nothing left to revoke", async () => {
    const grace = await member(storage(), "sa-twice", "79990000107");
    await anotherSession(grace, "sa-twice-1");
    assert.equal(await revokeSessions(storage().db, { profileId: grace.profileId }), 1);
    assert.equal(await revokeSessions(storage().db, { profileId: grace.profileId }), 0);
  });
});
