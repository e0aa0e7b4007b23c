import type { Redis } from "ioredis";
import type { Clock } from "./clock.ts";
import { DAY_MS, dayOf, type LookupQuota } from "./lookup-quota.ts";
import type { FallbackNotice } from "./redis-fallback.ts";

/**
 * One set of phones per account and day. Atomic: the phones not yet in the set are counted, and either all
 * are added (within the limit) or none (refused). ARGV: limit, TTL in ms, then the phones.
 */
const admitScript = `
local limit = tonumber(ARGV[1])
local fresh = {}
for i = 3, #ARGV do
  if redis.call('SISMEMBER', KEYS[1], ARGV[i]) == 0 then fresh[#fresh + 1] = ARGV[i] end
end
if #fresh == 0 then return 1 end
if redis.call('SCARD', KEYS[1]) + #fresh > limit then return 0 end
for i = 1, #fresh, 500 do
  redis.call('SADD', KEYS[1], unpack(fresh, i, math.min(i + 499, #fresh)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** A day's set outlives its day by this much, so that nodes whose clocks differ a little still share it. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The contact lookup quota shared by every node through Redis (docs/DECISIONS.md §7). While Redis is unreachable each
 * node counts in its own `fallback` (logged by `notice`): lookups keep working and stay limited per node.
 */
export class RedisLookupQuota implements LookupQuota {
  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly fallback: LookupQuota,
    private readonly notice: FallbackNotice,
    private readonly prefix = "certchat:lookups:",
  ) {}

  async admit(account: string, phones: readonly string[], limit: number): Promise<boolean> {
    if (phones.length === 0) return true;
    if (this.redis.status !== "ready") {
      this.notice.fallingBack();
      return this.fallback.admit(account, phones, limit);
    }
    const now = this.clock();
    const ttl = DAY_MS - (now % DAY_MS) + CLOCK_SKEW_MS;
    try {
      const admitted = await this.redis.eval(
        admitScript,
        1,
        `${this.prefix}${account}:${dayOf(now)}`,
        limit,
        ttl,
        ...phones,
      );
      this.notice.redisServed();
      return admitted === 1;
    } catch (error) {
      this.notice.fallingBack(error);
      return this.fallback.admit(account, phones, limit);
    }
  }
}
