import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LoginCommitter } from "../../../../src/server/services/login-commit/login-committer.ts";
import type { SessionOpening } from "../../../../src/server/services/login-commit/login-transactions.ts";
import { startLoginCommitter } from "../../../../src/server/services/login-commit/start-login-committer.ts";
import { openStorage } from "../../../../src/server/storage/database.ts";
import { listAuditEvents } from "../../../../src/server/storage/repositories/audit.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { findProfileById } from "../../../../src/server/storage/repositories/profiles.ts";
import { findSessionByToken } from "../../../../src/server/storage/repositories/sessions.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { certificateFields, now, profileFields } from "../../storage/repositories/fixtures.ts";

describeEachBackend("login committer", (storage, target) => {
  let committer: LoginCommitter;
  before(async () => {
    committer = await startLoginCommitter(storage());
  });
  after(async () => {
    await committer.close();
  });

  /** A login of the certificate `fingerprint` (of the profile `key`) asking for the session `token`. */
  function opening(key: string, fingerprint: string, token: string): SessionOpening {
    const { profile_id: _, ...certificate } = certificateFields(0, fingerprint);
    return {
      certificate,
      fields: profileFields(key),
      token,
      nonce: new Uint8Array(32).fill(9),
      nonceExpiresAt: now + 300_000,
      clientAddress: "10.0.0.7",
      now,
    };
  }

  async function opened(token: string) {
    const session = await findSessionByToken(storage().db, token);
    assert.ok(session, `session ${token} stored`);
    return session;
  }

  async function auditTypes(profileId: number) {
    const events = await listAuditEvents(storage().db, { profileId, limit: 100 });
    return events.map((event) => event.type);
  }

  test("a first login stores the certificate, its profile, the attachment audit and the session", async () => {
    await committer.openSession(opening("key-first", "fp-first", "token-first"));
    const session = await opened("token-first");
    assert.equal(session.confirmed, 0);
    assert.deepEqual(new Uint8Array(session.nonce ?? []), new Uint8Array(32).fill(9));
    assert.equal(session.nonce_expires_at, now + 300_000);
    assert.equal(session.client_address, "10.0.0.7");
    assert.deepEqual(await auditTypes(session.profile_id), ["certificate.attached"]);
  });

  test("a known certificate's next login opens another session on the same certificate", async () => {
    await committer.openSession(opening("key-again", "fp-again", "token-again-1"));
    await committer.openSession(opening("key-again", "fp-again", "token-again-2"));
    const first = await opened("token-again-1");
    const second = await opened("token-again-2");
    assert.notEqual(first.id, second.id);
    assert.equal(second.certificate_id, first.certificate_id);
    assert.equal(second.profile_id, first.profile_id);
  });

  test("a session is confirmed once, with one login audit row; a second confirmation is refused", async () => {
    await committer.openSession(opening("key-confirm", "fp-confirm", "token-confirm"));
    const session = await opened("token-confirm");
    const confirmation = { session, now: now + 10 };
    assert.equal(await committer.confirmSession(confirmation), true);
    assert.equal(await committer.confirmSession(confirmation), false);
    const confirmed = await opened("token-confirm");
    assert.equal(confirmed.confirmed, 1);
    assert.equal(confirmed.nonce, null);
    assert.equal(confirmed.last_seen_at, now + 10);
    assert.deepEqual(await auditTypes(session.profile_id), ["certificate.attached", "login"]);
  });

  test("a confirmation's login audit row names the profile, certificate, session and client address", async () => {
    await committer.openSession(opening("key-audit", "fp-audit", "token-audit"));
    const session = await opened("token-audit");
    assert.equal(await committer.confirmSession({ session, now: now + 15 }), true);
    const events = await listAuditEvents(storage().db, { profileId: session.profile_id, limit: 100 });
    const login = events.find((event) => event.type === "login");
    assert.deepEqual(
      login && {
        at: login.at,
        actor: login.actor,
        certificate: login.certificate_id,
        session: login.session_id,
        chat: login.chat_id,
        details: login.details,
      },
      {
        at: now + 15,
        actor: `profile:${session.profile_id}`,
        certificate: session.certificate_id,
        session: session.id,
        chat: null,
        details: JSON.stringify({ address: "10.0.0.7" }),
      },
    );
  });

  test("a known certificate's login that describes its profile anew updates the profile", async () => {
    await committer.openSession(opening("key-renamed", "fp-renamed", "token-renamed-1"));
    const renamed = { ...opening("key-renamed", "fp-renamed", "token-renamed-2") };
    renamed.fields = profileFields("key-renamed", "Петров Пётр Петрович");
    await committer.openSession(renamed);
    const session = await opened("token-renamed-2");
    const profile = await findProfileById(storage().db, session.profile_id);
    assert.equal(profile?.name, "Петров Пётр Петрович");
    assert.equal(session.profile_id, (await opened("token-renamed-1")).profile_id);
  });

  test("a dropped nonce leaves the session unconfirmed and refuses its confirmation", async () => {
    await committer.openSession(opening("key-drop", "fp-drop", "token-drop"));
    const session = await opened("token-drop");
    await committer.dropNonce(session.id);
    const dropped = await opened("token-drop");
    assert.equal(dropped.nonce, null);
    assert.equal(dropped.confirmed, 0);
    assert.equal(await committer.confirmSession({ session, now: now + 10 }), false);
    assert.deepEqual(await auditTypes(session.profile_id), ["certificate.attached"]);
  });

  test("of racing confirmations of one session exactly one succeeds", async () => {
    await committer.openSession(opening("key-race", "fp-race", "token-race"));
    const session = await opened("token-race");
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => committer.confirmSession({ session, now: now + 20 })),
    );
    assert.equal(answers.filter(Boolean).length, 1);
    assert.deepEqual(await auditTypes(session.profile_id), ["certificate.attached", "login"]);
  });

  test("logins arriving together each commit their own session", async () => {
    const tokens = Array.from({ length: 20 }, (_, i) => `token-together-${i}`);
    await Promise.all(
      tokens.map((token, i) =>
        committer.openSession(opening(`key-together-${i}`, `fp-together-${i}`, token)),
      ),
    );
    for (const token of tokens) await opened(token);
  });

  test("a login whose write fails is refused alone; the others of its batch commit", async () => {
    await committer.openSession(opening("key-taken", "fp-taken", "token-taken"));
    const [duplicate, fresh] = await Promise.allSettled([
      committer.openSession(opening("key-taken", "fp-taken", "token-taken")),
      committer.openSession(opening("key-fresh", "fp-fresh", "token-fresh")),
    ]);
    assert.equal(duplicate.status, "rejected");
    assert.ok(duplicate.status === "rejected" && isUniqueViolation(duplicate.reason), "a unique violation");
    assert.equal(fresh.status, "fulfilled");
    await opened("token-fresh");
  });

  test("a confirmation that was answered is in the database for a connection opened afterwards", async () => {
    await committer.openSession(opening("key-durable", "fp-durable", "token-durable"));
    const session = await opened("token-durable");
    assert.equal(await committer.confirmSession({ session, now: now + 30 }), true);
    const reopened = openStorage(target());
    try {
      const stored = await findSessionByToken(reopened.db, "token-durable");
      assert.equal(stored?.confirmed, 1);
    } finally {
      await reopened.close();
    }
  });

  test("close commits what is queued before it returns", async () => {
    const closing = await startLoginCommitter(storage());
    const written = closing.openSession(opening("key-closing", "fp-closing", "token-closing"));
    await closing.close();
    await written;
    await opened("token-closing");
  });
});
