import assert from "node:assert/strict";
import { test } from "node:test";
import { DAY_MS, MemoryLookupQuota } from "../../../src/server/services/lookup-quota.ts";

function quota() {
  const clock = { now: 100 * DAY_MS + 1_000 };
  return { clock, quota: new MemoryLookupQuota(() => clock.now) };
}

test("distinct phones up to the limit are admitted, one more is refused", async () => {
  const { quota: lookups } = quota();
  assert.equal(await lookups.admit("1", ["79990000001", "79990000002"], 3), true);
  assert.equal(await lookups.admit("1", ["79990000003"], 3), true);
  assert.equal(await lookups.admit("1", ["79990000004"], 3), false);
});

test("a phone already looked up today costs nothing again", async () => {
  const { quota: lookups } = quota();
  await lookups.admit("1", ["79990000001", "79990000002"], 2);
  assert.equal(await lookups.admit("1", ["79990000002", "79990000001"], 2), true);
});

test("a request that would pass the limit is refused whole and records none of its phones", async () => {
  const { quota: lookups } = quota();
  await lookups.admit("1", ["79990000001"], 3);
  assert.equal(await lookups.admit("1", ["79990000002", "79990000003", "79990000004"], 3), false);
  assert.equal(await lookups.admit("1", ["79990000002", "79990000003"], 3), true);
});

test("each account has its own quota", async () => {
  const { quota: lookups } = quota();
  await lookups.admit("1", ["79990000001"], 1);
  assert.equal(await lookups.admit("1", ["79990000002"], 1), false);
  assert.equal(await lookups.admit("2", ["79990000002"], 1), true);
});

test("the quota starts again on the next UTC day", async () => {
  const { clock, quota: lookups } = quota();
  await lookups.admit("1", ["79990000001"], 1);
  assert.equal(await lookups.admit("1", ["79990000002"], 1), false);
  clock.now += DAY_MS;
  assert.equal(await lookups.admit("1", ["79990000002"], 1), true);
});
