import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { EventQueue } from "../../../src/server/realtime/event-queue.ts";

test("jobs run one at a time in arrival order, a slow first job holding back the rest", async () => {
  const queue = new EventQueue(10, () => {});
  const order: string[] = [];
  queue.push(async () => {
    await delay(30);
    order.push("session");
  });
  queue.push(async () => {
    order.push("subscribe");
  });
  await queue.idle();
  assert.deepEqual(order, ["session", "subscribe"]);
});

test("a failing job is reported and the next one still runs", async () => {
  const failures: unknown[] = [];
  const queue = new EventQueue(10, (error) => failures.push(error));
  let ran = false;
  queue.push(async () => {
    throw new Error("boom");
  });
  queue.push(async () => {
    ran = true;
  });
  await queue.idle();
  assert.equal(ran, true);
  assert.equal(failures.length, 1);
});

test("beyond its limit of waiting jobs the queue refuses more, and accepts again once drained", async () => {
  const queue = new EventQueue(2, () => {});
  assert.equal(
    queue.push(() => delay(10)),
    true,
  );
  assert.equal(
    queue.push(() => delay(10)),
    true,
  );
  assert.equal(
    queue.push(() => delay(10)),
    false,
  );
  await queue.idle();
  assert.equal(
    queue.push(() => delay(1)),
    true,
  );
});
