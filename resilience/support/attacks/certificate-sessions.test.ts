import assert from "node:assert/strict";
import { test } from "node:test";
import { certificateSessionsAttack } from "./certificate-sessions.ts";

test("sessions end with their certificate: expiry and revocation (CRL + SIGHUP) against certchat serve", async () => {
  const { short_validity_s: _validity, ...summary } = await certificateSessionsAttack();
  assert.deepEqual(summary, { expired_sessions_ended: 1, revoked_sessions_ended: 1, normal_user_kept: 1 });
});
