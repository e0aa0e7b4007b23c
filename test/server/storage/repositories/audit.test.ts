import assert from "node:assert/strict";
import { test } from "node:test";
import { listAuditEvents, recordAuditEvent } from "../../../../src/server/storage/repositories/audit.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { now } from "./fixtures.ts";

describeEachBackend("audit events", (storage) => {
  test("recorded events come back oldest first with their fields and JSON details", async () => {
    await recordAuditEvent(
      storage().db,
      {
        type: "login",
        actor: "profile:7",
        profileId: 7,
        certificateId: 3,
        sessionId: 11,
        details: { address: "10.0.0.1" },
      },
      now,
    );
    await recordAuditEvent(
      storage().db,
      { type: "session.revoked", actor: "admin:root", profileId: 7 },
      now + 1,
    );
    const events = await listAuditEvents(storage().db, { profileId: 7, limit: 10 });
    assert.deepEqual(
      events.map(({ id: _id, ...rest }) => rest),
      [
        {
          at: now,
          type: "login",
          actor: "profile:7",
          profile_id: 7,
          certificate_id: 3,
          session_id: 11,
          chat_id: null,
          details: '{"address":"10.0.0.1"}',
        },
        {
          at: now + 1,
          type: "session.revoked",
          actor: "admin:root",
          profile_id: 7,
          certificate_id: null,
          session_id: null,
          chat_id: null,
          details: null,
        },
      ],
    );
  });

  test("since leaves out older events, afterId and limit page through the rest", async () => {
    for (let at = 0; at < 5; at++) {
      await recordAuditEvent(
        storage().db,
        { type: "login", actor: "profile:8", profileId: 8 },
        now + 1000 + at,
      );
    }
    const recent = await listAuditEvents(storage().db, { profileId: 8, since: now + 1002, limit: 10 });
    assert.deepEqual(
      recent.map((event) => event.at),
      [now + 1002, now + 1003, now + 1004],
    );
    const first = await listAuditEvents(storage().db, { profileId: 8, limit: 2 });
    const next = await listAuditEvents(storage().db, { profileId: 8, limit: 2, afterId: first.at(-1)?.id });
    assert.deepEqual(
      [...first, ...next].map((event) => event.at),
      [now + 1000, now + 1001, now + 1002, now + 1003],
    );
  });

  test("an event cannot be updated", async () => {
    await recordAuditEvent(storage().db, { type: "login", actor: "profile:9", profileId: 9 }, now);
    await assert.rejects(
      storage()
        .db.updateTable("audit_events")
        .set({ actor: "someone else" })
        .where("profile_id", "=", 9)
        .execute(),
      /append-only/,
    );
  });

  test("an event cannot be deleted", async () => {
    await recordAuditEvent(storage().db, { type: "login", actor: "profile:10", profileId: 10 }, now);
    await assert.rejects(
      storage().db.deleteFrom("audit_events").where("profile_id", "=", 10).execute(),
      /append-only/,
    );
    assert.equal((await listAuditEvents(storage().db, { profileId: 10, limit: 10 })).length, 1);
  });
});
