import assert from "node:assert/strict";
import { test } from "node:test";
import { takeoverAttack } from "./takeover.ts";

test("no foreign certificate takes over a profile, and a renewal joins it with one SMS", async () => {
  const summary = await takeoverAttack();
  assert.deepEqual(summary, { takeover_attempts: 3, takeovers: 0, renewal: "ok", renewal_sms: 1 });
  console.log(
    `resilience takeover: ${Object.entries(summary)
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")}`,
  );
});
