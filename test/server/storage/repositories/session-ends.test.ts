import assert from "node:assert/strict";
import { test } from "node:test";
import { markCertificatesRevoked } from "../../../../src/server/storage/repositories/certificates.ts";
import { revokeSessions } from "../../../../src/server/storage/repositories/session-admin.ts";
import {
  countSessionsEnded,
  sessionsEndedCount,
} from "../../../../src/server/storage/repositories/session-ends.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { member, now } from "./fixtures.ts";

describeEachBackend("session endings count", (storage) => {
  test("countSessionsEnded raises the count by one each time", async () => {
    const before = await sessionsEndedCount(storage().db);
    await countSessionsEnded(storage().db);
    await countSessionsEnded(storage().db);
    assert.equal(await sessionsEndedCount(storage().db), before + 2);
  });

  test("revokeSessions counts an ending only when it revoked a session", async () => {
    const alice = await member(storage(), "se-revoke", "79990000301");
    // The fixture's session is unconfirmed without a nonce: confirm it directly.
    await storage()
      .db.updateTable("sessions")
      .set({ confirmed: 1 })
      .where("id", "=", alice.sessionId)
      .execute();
    const before = await sessionsEndedCount(storage().db);
    assert.equal(await revokeSessions(storage().db, { profileId: alice.profileId }), 1);
    assert.equal(await sessionsEndedCount(storage().db), before + 1);
    assert.equal(await revokeSessions(storage().db, { profileId: alice.profileId }), 0);
    assert.equal(await sessionsEndedCount(storage().db), before + 1);
  });

  test("markCertificatesRevoked counts an ending only when it newly marked a certificate", async () => {
    const bob = await member(storage(), "se-mark", "79990000302");
    const before = await sessionsEndedCount(storage().db);
    await markCertificatesRevoked(storage().db, [bob.certificateId], now);
    assert.equal(await sessionsEndedCount(storage().db), before + 1);
    await markCertificatesRevoked(storage().db, [bob.certificateId], now + 5);
    assert.equal(await sessionsEndedCount(storage().db), before + 1);
  });

  test("the count raised in a transaction that rolls back stays as it was", async () => {
    const before = await sessionsEndedCount(storage().db);
    await assert.rejects(
      storage()
        .db.transaction()
        .execute(async (trx) => {
          await countSessionsEnded(trx);
          throw new Error("rolled back");
        }),
      /rolled back/,
    );
    assert.equal(await sessionsEndedCount(storage().db), before);
  });
});
