import assert from "node:assert/strict";
import { test } from "node:test";
import { retryOnDeadlock } from "../../../../src/server/storage/repositories/constraint-errors.ts";

const deadlock = Object.assign(new Error("deadlock detected"), { code: "40P01" });

test("retryOnDeadlock runs a transaction again after a PostgreSQL deadlock abort", async () => {
  let attempts = 0;
  const result = await retryOnDeadlock(async () => {
    attempts += 1;
    if (attempts < 3) throw deadlock;
    return "done";
  });
  assert.deepEqual([result, attempts], ["done", 3]);
});

test("retryOnDeadlock gives up after its retries and rethrows the deadlock", async () => {
  let attempts = 0;
  await assert.rejects(
    retryOnDeadlock(async () => {
      attempts += 1;
      throw deadlock;
    }, 1),
    deadlock,
  );
  assert.equal(attempts, 2);
});

test("retryOnDeadlock does not retry any other error", async () => {
  let attempts = 0;
  const other = Object.assign(new Error("unique"), { code: "23505" });
  await assert.rejects(
    retryOnDeadlock(async () => {
      attempts += 1;
      throw other;
    }),
    other,
  );
  assert.equal(attempts, 1);
});
