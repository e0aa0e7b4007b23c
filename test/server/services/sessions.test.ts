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
});
