import type { Redis } from "ioredis";
import type { Rate } from "../config.ts";
import type { RateLimiter } from "./rate-limiter.ts";

/**
 * At most `limit` requests per window and key, atomically in one script: a refused request spends nothing,
 * like the in-memory bucket. The window starts at a key's first request (fixed window, PEXPIRE).
 */
const takeScript = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return 0 end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/**
 * The login limits shared by every server process (DESIGN §7). While Redis is unreachable the limits fall
 * back to this process's own counters (`fallback`): logins keep working and each node still limits what it
 * sees, rather than failing open (no limit) or closed (nobody logs in).
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly rate: Rate,
    private readonly fallback: RateLimiter,
    private readonly prefix = "certchat:rate:",
  ) {}

  async take(key: string): Promise<boolean> {
    if (this.redis.status !== "ready") return this.fallback.take(key);
    try {
      const allowed = await this.redis.eval(
        takeScript,
        1,
        this.prefix + key,
        this.rate.count,
        this.rate.perMs,
      );
      return allowed === 1;
    } catch {
      return this.fallback.take(key);
    }
  }
}
