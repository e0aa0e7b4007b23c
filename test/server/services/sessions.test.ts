import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { SessionService } from "../../../src/server/services/sessions.ts";
import { findSessionByToken } from "../../../src/server/storage/repositories/sessions.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { member, now } from "../storage/repositories/fixtures.ts";

const IDLE_TTL_MS = 3_600_000;
const MAX_AGE_MS = 30 * 86_400_000;

describeEachBackend("SessionService", (storage) => {
  let time = now;
  const service = () =>
    new SessionService(storage().db, () => time, { idleMs: IDLE_TTL_MS, maxAgeMs: MAX_AGE_MS });

  async function confirm(token: string, lastSeenAt = now): Promise<void> {
    await storage()
      .db.updateTable("sessions")
      .set({ confirmed: 1, last_seen_at: lastSeenAt })
      .where("token", "=", token)
      .execute();
  }

  async function refusalOf(token: string, requirePhone: boolean): Promise<string | undefined> {
    try {
      await service().authenticate(token, { requirePhone });
      return undefined;
    } catch (error) {
      assert.ok(error instanceof ApiError);
      return error.code;
    }
  }

  test("refusals answers for many tokens what authenticate answers for each", async () => {
    time = now + 120_000;
    await member(storage(), "live", "+79990000001");
    await confirm("token-live");
    await member(storage(), "unconfirmed", "+79990000002");
    await member(storage(), "idle", "+79990000003");
    await confirm("token-idle", now - IDLE_TTL_MS);
    await member(storage(), "no-phone", null);
    await confirm("token-no-phone");
    const tokens = ["token-live", "token-unconfirmed", "token-idle", "token-no-phone", "no-such-token"];
    for (const requirePhone of [true, false]) {
      const refused = await service().refusals(tokens, { requirePhone });
      const expected = new Map<string, string>();
      for (const token of tokens) {
        const code = await refusalOf(token, requirePhone);
        if (code) expected.set(token, code);
      }
      assert.deepEqual(
        new Map([...refused].map(([token, error]) => [token, error.code])),
        expected,
        `requirePhone: ${requirePhone}`,
      );
    }
    assert.equal(await refusalOf("token-idle", true), "SessionExpired");
    assert.equal(await refusalOf("token-no-phone", true), "NeedRegisterPhone");
  });

  test("refusals refreshes the idle clock of live sessions that are due, as authenticate does", async () => {
    await member(storage(), "due", "+79990000011");
    await confirm("token-due");
    await member(storage(), "fresh", "+79990000012");
    await confirm("token-fresh", now + 290_000);
    time = now + 300_000;
    const refused = await service().refusals(["token-due", "token-fresh"], { requirePhone: true });
    assert.equal(refused.size, 0);
    assert.equal((await findSessionByToken(storage().db, "token-due"))?.last_seen_at, time);
    assert.equal((await findSessionByToken(storage().db, "token-fresh"))?.last_seen_at, now + 290_000);
  });

  async function changeCertificate(key: string, change: { not_after?: number; revoked_at?: number }) {
    await storage()
      .db.updateTable("certificates")
      .set(change)
      .where("fingerprint", "=", `fp-${key}`)
      .execute();
  }

  test("a session whose certificate was revoked is refused with InvalidCertificate", async () => {
    time = now + 1000;
    await member(storage(), "revoked", "+79990000021");
    await confirm("token-revoked", time);
    await changeCertificate("revoked", { revoked_at: time });
    assert.equal(await refusalOf("token-revoked", true), "InvalidCertificate");
    const refused = await service().refusals(["token-revoked"], { requirePhone: true });
    assert.equal(refused.get("token-revoked")?.code, "InvalidCertificate");
  });

  test("a session whose certificate expired is refused with CertificateExpired though it is in use", async () => {
    await member(storage(), "cert-expired", "+79990000022");
    await changeCertificate("cert-expired", { not_after: now + 60_000 });
    time = now + 60_001;
    await confirm("token-cert-expired", time);
    assert.equal(await refusalOf("token-cert-expired", true), "CertificateExpired");
    const refused = await service().refusals(["token-cert-expired"], { requirePhone: true });
    assert.equal(refused.get("token-cert-expired")?.code, "CertificateExpired");
  });

  test("a session past its maximum age is refused with SessionExpired though it is in use", async () => {
    await member(storage(), "too-old", "+79990000023");
    time = now + MAX_AGE_MS + 1;
    await confirm("token-too-old", time);
    assert.equal(await refusalOf("token-too-old", true), "SessionExpired");
  });

  test("lifetimeRefusal ends an identity resolved earlier once its certificate expires or it grows too old", async () => {
    await member(storage(), "kept", "+79990000024");
    await changeCertificate("kept", { not_after: now + 60_000 });
    time = now;
    await confirm("token-kept", time);
    const identity = await service().authenticate("token-kept", { requirePhone: true });
    assert.equal(service().lifetimeRefusal(identity), undefined);
    time = now + 60_001;
    assert.equal(service().lifetimeRefusal(identity)?.code, "CertificateExpired");
    time = now + MAX_AGE_MS + 1;
    const longLived = { ...identity, certificate: { notAfter: time + 1, revokedAt: null } };
    assert.equal(service().lifetimeRefusal(longLived)?.code, "SessionExpired");
  });
});
