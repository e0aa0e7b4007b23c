import assert from "node:assert/strict";
import { test } from "node:test";
import { findOrInsertCertificate } from "../../../../src/server/storage/repositories/certificates.ts";
import { findProfileById, upsertProfile } from "../../../../src/server/storage/repositories/profiles.ts";
import {
  confirmSession,
  findSessionByToken,
  findSessionWithProfile,
  insertSession,
  takeNonce,
  touchSession,
} from "../../../../src/server/storage/repositories/sessions.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, now, profileFields } from "./fixtures.ts";

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

  test("findSessionWithProfile returns the session and its profile in one row, or undefined", async () => {
    await newSession("t4");
    const found = await findSessionWithProfile(storage().db, "t4");
    assert.deepEqual(found?.session, await findSessionByToken(storage().db, "t4"));
    assert.deepEqual(found?.profile, await findProfileById(storage().db, found?.session.profile_id ?? 0));
    assert.equal(await findSessionWithProfile(storage().db, "no-such-token"), undefined);
  });
});
