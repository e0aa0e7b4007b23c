import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Redis } from "ioredis";
import type { RateLimiter } from "../../../src/server/services/rate-limiter.ts";
import { RedisRateLimiter } from "../../../src/server/services/redis-rate-limiter.ts";
import { freePort, kill, startRedis } from "../../support/processes.ts";

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

describe("RedisRateLimiter", () => {
  let redis: ChildProcess | undefined;
  const clients: Redis[] = [];
  let port: number;
  const client = async () => {
    const connection = new Redis(`redis://127.0.0.1:${port}`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    connection.on("error", () => {});
    clients.push(connection);
    await new Promise((resolve) => connection.once("ready", resolve));
    return connection;
  };

  before(async () => {
    port = await freePort();
    redis = await startRedis(port);
  });
  after(async () => {
    for (const connection of clients) connection.disconnect();
    await kill(redis);
  });

  test("two processes share one count per key; a refused request spends nothing; the window expires", async () => {
    const prefix = `test:${process.pid}:`;
    const rate = { count: 3, perMs: 300 };
    const nodeA = new RedisRateLimiter(await client(), rate, new RecordingLimiter(), prefix);
    const nodeB = new RedisRateLimiter(await client(), rate, new RecordingLimiter(), prefix);
    assert.deepEqual(await takeTimes(nodeA, "auth:10.0.0.1", 2), [true, true]);
    assert.deepEqual(await takeTimes(nodeB, "auth:10.0.0.1", 2), [true, false]);
    assert.equal(await nodeA.take("auth:10.0.0.2"), true, "each key its own count");
    await delay(350);
    assert.deepEqual(await takeTimes(nodeB, "auth:10.0.0.1", 4), [true, true, true, false]);
  });

  test("while Redis is unreachable the process's own limiter decides, at once", async () => {
    const fallback = new RecordingLimiter();
    const limiter = new RedisRateLimiter(await client(), { count: 1, perMs: 60_000 }, fallback);
    await kill(redis);
    const started = Date.now();
    assert.deepEqual(await takeTimes(limiter, "auth:10.0.0.9", 3), [true, true, true]);
    assert.deepEqual(fallback.keys, ["auth:10.0.0.9", "auth:10.0.0.9", "auth:10.0.0.9"]);
    assert.ok(Date.now() - started < 1_000);
  });
});
