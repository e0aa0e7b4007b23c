import type { Rate } from "../config.ts";
import type { Clock } from "./clock.ts";

/**
 * Per-key request limits (the key names the endpoint and the client address). Asynchronous so that a
 * shared store (Redis, for several server processes) can stand in for the in-memory one.
 */
export interface RateLimiter {
  /** Spends one request for `key`: false when the key is over its rate (nothing is spent then). */
  take(key: string): Promise<boolean>;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** A token bucket per key in this process: `count` requests at once, refilled at count per `perMs`. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    private readonly rate: Rate,
    private readonly clock: Clock,
  ) {
    this.lastSweep = clock();
  }

  async take(key: string): Promise<boolean> {
    const now = this.clock();
    this.forgetFullBuckets(now);
    const bucket = this.buckets.get(key);
    const refilled = bucket
      ? Math.min(this.rate.count, bucket.tokens + ((now - bucket.at) * this.rate.count) / this.rate.perMs)
      : this.rate.count;
    const allowed = refilled >= 1;
    this.buckets.set(key, { tokens: allowed ? refilled - 1 : refilled, at: now });
    return allowed;
  }

  /** A bucket untouched for a whole period is full again, the same as no bucket: memory stays bounded. */
  private forgetFullBuckets(now: number): void {
    if (now - this.lastSweep < this.rate.perMs) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at >= this.rate.perMs) this.buckets.delete(key);
    }
  }
}
