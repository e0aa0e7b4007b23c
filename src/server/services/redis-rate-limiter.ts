import type { Redis } from "ioredis";
import type { Rate } from "../config.ts";
import type { Clock } from "./clock.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { FallbackNotice } from "./redis-fallback.ts";

/**
 * The token bucket of MemoryRateLimiter, atomically in one script: `count` tokens refilled continuously at
 * count per `perMs`, a refused request spends nothing. Time is the calling node's clock (as for the
 * in-process buckets); a node whose clock lags another's refills nothing rather than going negative. A
 * bucket untouched for a whole period is full again, the same as no bucket, so it expires then.
 * ARGV: count, perMs, now (ms).
 */
const takeScript = `
local count = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = count
if bucket[1] then
  tokens = math.min(count, tonumber(bucket[1]) + math.max(0, now - tonumber(bucket[2])) * count / per)
end
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], per)
return allowed`;

/**
 * The login limits shared by every server process (docs/DECISIONS.md §7). While Redis is unreachable the limits fall
 * back to this process's own buckets (`fallback`, the same algorithm), and `notice` logs it: logins keep
 * working and each node still limits what it sees, rather than failing open (no limit) or closed (nobody
 * logs in).
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly rate: Rate,
    private readonly clock: Clock,
    private readonly fallback: RateLimiter,
    private readonly notice: FallbackNotice,
    private readonly prefix = "certchat:rate:",
  ) {}

  async take(key: string): Promise<boolean> {
    if (this.redis.status !== "ready") {
      this.notice.fallingBack();
      return this.fallback.take(key);
    }
    try {
      const allowed = await this.redis.eval(
        takeScript,
        1,
        this.prefix + key,
        this.rate.count,
        this.rate.perMs,
        this.clock(),
      );
      this.notice.redisServed();
      return allowed === 1;
    } catch (error) {
      this.notice.fallingBack(error);
      return this.fallback.take(key);
    }
  }
}
