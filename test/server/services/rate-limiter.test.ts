import assert from "node:assert/strict";
import { test } from "node:test";
import { MemoryRateLimiter } from "../../../src/server/services/rate-limiter.ts";

function limiter(count: number, perMs: number) {
  const clock = { now: 1_000_000 };
  return { clock, limiter: new MemoryRateLimiter({ count, perMs }, () => clock.now) };
}

async function takeTimes(limiter: MemoryRateLimiter, key: string, times: number): Promise<boolean[]> {
  const results: boolean[] = [];
  for (let i = 0; i < times; i++) results.push(await limiter.take(key));
  return results;
}

test("a burst up to the count passes and the next request is refused", async () => {
  const { limiter: rate } = limiter(3, 10_000);
  assert.deepEqual(await takeTimes(rate, "auth:10.0.0.1", 4), [true, true, true, false]);
});

test("each address has its own bucket", async () => {
  const { limiter: rate } = limiter(2, 10_000);
  await takeTimes(rate, "auth:10.0.0.1", 3);
  assert.deepEqual(await takeTimes(rate, "auth:10.0.0.2", 2), [true, true]);
  assert.equal(await rate.take("confirmAuth:10.0.0.1"), true);
});

test("tokens come back at count per period", async () => {
  const { clock, limiter: rate } = limiter(10, 10_000);
  await takeTimes(rate, "a", 10);
  assert.equal(await rate.take("a"), false);
  clock.now += 999;
  assert.equal(await rate.take("a"), false);
  clock.now += 1;
  assert.equal(await rate.take("a"), true);
  assert.equal(await rate.take("a"), false);
  clock.now += 60_000;
  assert.deepEqual(await takeTimes(rate, "a", 11), [...Array(10).fill(true), false]);
});

test("a refused request spends nothing", async () => {
  const { clock, limiter: rate } = limiter(1, 1000);
  await rate.take("a");
  for (let i = 0; i < 5; i++) assert.equal(await rate.take("a"), false);
  clock.now += 1000;
  assert.equal(await rate.take("a"), true);
});
