import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DAY_MS, type LookupQuota, MemoryLookupQuota } from "../../../src/server/services/lookup-quota.ts";
import { FallbackNotice } from "../../../src/server/services/redis-fallback.ts";
import { RedisLookupQuota } from "../../../src/server/services/redis-lookup-quota.ts";
import { capturedLogger } from "../../support/logs.ts";
import { privateRedis } from "../../support/private-redis.ts";

/** Stands in for the in-process store: records what it was asked and admits everything. */
class RecordingQuota implements LookupQuota {
  readonly asked: string[][] = [];
  async admit(_account: string, phones: readonly string[]): Promise<boolean> {
    this.asked.push([...phones]);
    return true;
  }
}

const phones = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => `7999${String(from + index).padStart(7, "0")}`);

describe("RedisLookupQuota", () => {
  const redis = privateRedis();
  const client = () => redis.client();
  const prefix = () => redis.prefix();
  const clock = { now: 200 * DAY_MS + 5_000 };
  const node = async (keys: string, fallback: LookupQuota = new RecordingQuota()) =>
    new RedisLookupQuota(
      await client(),
      () => clock.now,
      fallback,
      new FallbackNotice(capturedLogger().logger, "contact lookup quotas"),
      keys,
    );

  test("two nodes share one account's quota; repeats are free; an over-quota request is refused whole", async () => {
    const keys = prefix();
    const nodeA = await node(keys);
    const nodeB = await node(keys);
    assert.equal(await nodeA.admit("7", phones(0, 600), 1000), true);
    assert.equal(await nodeB.admit("7", phones(0, 600), 1000), true, "the same phones again cost nothing");
    assert.equal(await nodeB.admit("7", phones(600, 401), 1000), false, "1001 distinct phones");
    assert.equal(
      await nodeA.admit("7", phones(600, 400), 1000),
      true,
      "the refused request recorded nothing",
    );
    assert.equal(await nodeB.admit("7", phones(1000, 1), 1000), false);
    assert.equal(await nodeB.admit("8", phones(1000, 1), 1000), true, "another account is unaffected");
  });

  test("the next UTC day starts a new count", async () => {
    const quota = await node(prefix());
    assert.equal(await quota.admit("7", phones(0, 2), 2), true);
    assert.equal(await quota.admit("7", phones(2, 1), 2), false);
    clock.now += DAY_MS;
    assert.equal(await quota.admit("7", phones(2, 1), 2), true);
  });

  test("while Redis is unreachable the node's own store decides, and that is logged once", async () => {
    const logs = capturedLogger();
    const fallback = new MemoryLookupQuota(() => clock.now);
    const quota = new RedisLookupQuota(
      await client(),
      () => clock.now,
      fallback,
      new FallbackNotice(logs.logger, "contact lookup quotas"),
      prefix(),
    );
    await redis.stop();
    assert.equal(await quota.admit("7", phones(0, 2), 2), true);
    assert.equal(await quota.admit("7", phones(2, 1), 2), false, "still limited, by this node");
    const warnings = logs.lines().filter((line) => line.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]?.msg), /contact lookup quotas are counted by this node alone/);
  });
});
