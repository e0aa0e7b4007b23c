import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MemoryRateLimiter, type RateLimiter } from "../../../src/server/services/rate-limiter.ts";
import { FallbackNotice } from "../../../src/server/services/redis-fallback.ts";
import { RedisRateLimiter } from "../../../src/server/services/redis-rate-limiter.ts";
import { capturedLogger } from "../../support/logs.ts";
import { privateRedis } from "../../support/private-redis.ts";

/** Stands in for the in-memory limiter: records that it was asked. */
class RecordingLimiter implements RateLimiter {
  readonly keys: string[] = [];
  async take(key: string): Promise<boolean> {
    this.keys.push(key);
    return true;
  }
}

async function takeTimes(limiter: RateLimiter, key: string, times: number): Promise<boolean[]> {
  const results: boolean[] = [];
  for (let i = 0; i < times; i++) results.push(await limiter.take(key));
  return results;
}

const quietNotice = () => new FallbackNotice(capturedLogger().logger, "login rate limits");

describe("RedisRateLimiter", () => {
  const redis = privateRedis();
  const client = () => redis.client();
  const prefix = () => redis.prefix();

  test("two processes share one bucket per key, and a refused request spends nothing", async () => {
    const clock = { now: 1_000_000 };
    const rate = { count: 3, perMs: 3_000 };
    const keys = prefix();
    const nodeA = new RedisRateLimiter(
      await client(),
      rate,
      () => clock.now,
      new RecordingLimiter(),
      quietNotice(),
      keys,
    );
    const nodeB = new RedisRateLimiter(
      await client(),
      rate,
      () => clock.now,
      new RecordingLimiter(),
      quietNotice(),
      keys,
    );
    assert.deepEqual(await takeTimes(nodeA, "auth:10.0.0.1", 2), [true, true]);
    assert.deepEqual(await takeTimes(nodeB, "auth:10.0.0.1", 3), [true, false, false]);
    assert.equal(await nodeA.take("auth:10.0.0.2"), true, "each key its own bucket");
    clock.now += 3_000;
    assert.deepEqual(await takeTimes(nodeB, "auth:10.0.0.1", 4), [true, true, true, false]);
  });

  test("tokens come back continuously, one per perMs/count, as in the in-process bucket", async () => {
    const clock = { now: 1_000_000 };
    const rate = { count: 3, perMs: 3_000 };
    const limiter = new RedisRateLimiter(
      await client(),
      rate,
      () => clock.now,
      new RecordingLimiter(),
      quietNotice(),
      prefix(),
    );
    assert.deepEqual(await takeTimes(limiter, "a", 4), [true, true, true, false]);
    clock.now += 999;
    assert.equal(await limiter.take("a"), false);
    clock.now += 1;
    assert.deepEqual(await takeTimes(limiter, "a", 2), [true, false]);
  });

  test("the same requests get the same answers from Redis and from the in-process fallback", async () => {
    const clock = { now: 5_000_000 };
    const rate = { count: 5, perMs: 10_000 };
    const shared = new RedisRateLimiter(
      await client(),
      rate,
      () => clock.now,
      new RecordingLimiter(),
      quietNotice(),
      prefix(),
    );
    const local = new MemoryRateLimiter(rate, () => clock.now);
    const steps = [0, 0, 0, 0, 0, 0, 700, 1_300, 0, 0, 4_100, 0, 0, 0, 20_000, 0, 0, 0, 0, 0, 0, 2_500];
    const answers: Array<[boolean, boolean]> = [];
    for (const advance of steps) {
      clock.now += advance;
      answers.push([await shared.take("k"), await local.take("k")]);
    }
    assert.deepEqual(
      answers.map(([redisAnswer]) => redisAnswer),
      answers.map(([, memoryAnswer]) => memoryAnswer),
    );
    assert.ok(answers.some(([answer]) => !answer) && answers.some(([answer]) => answer));
  });

  test("while Redis is unreachable the process's own limiter decides at once, and that is logged once", async () => {
    const fallback = new RecordingLimiter();
    const logs = capturedLogger();
    const limiter = new RedisRateLimiter(
      await client(),
      { count: 1, perMs: 60_000 },
      () => Date.now(),
      fallback,
      new FallbackNotice(logs.logger, "login rate limits"),
    );
    await redis.stop();
    assert.deepEqual(await takeTimes(limiter, "auth:10.0.0.9", 3), [true, true, true]);
    assert.deepEqual(fallback.keys, ["auth:10.0.0.9", "auth:10.0.0.9", "auth:10.0.0.9"]);
    const warnings = logs.lines().filter((line) => line.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]?.msg), /login rate limits are counted by this node alone/);
  });
});
