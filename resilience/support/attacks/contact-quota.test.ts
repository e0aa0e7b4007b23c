import assert from "node:assert/strict";
import { test } from "node:test";
import { contactQuotaAttack } from "./contact-quota.ts";

test("contact harvesting: one account learns at most its daily quota of phones, others are unaffected", async () => {
  const result = await contactQuotaAttack();
  assert.ok(Number(result.revealed) <= Number(result.quota));
  console.log(
    `resilience contact-quota: ${Object.entries(result)
      .map(([key, value]) => `${key}=${value}`)
      .join(" ")}`,
  );
});
