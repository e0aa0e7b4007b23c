import type { Logger } from "pino";

/**
 * Logs when a Redis-backed store starts answering from this process's own fallback and when Redis serves
 * it again: once per change, not once per request, so an outage under load does not flood the log.
 */
export class FallbackNotice {
  private onFallback = false;

  constructor(
    private readonly logger: Logger,
    /** What falls back, e.g. "login rate limits". */
    private readonly what: string,
  ) {}

  fallingBack(error?: unknown): void {
    if (this.onFallback) return;
    this.onFallback = true;
    this.logger.warn(
      { err: error, store: this.what },
      `redis unavailable: ${this.what} are counted by this node alone until it returns`,
    );
  }

  redisServed(): void {
    if (!this.onFallback) return;
    this.onFallback = false;
    this.logger.info({ store: this.what }, `redis available again: ${this.what} are shared by all nodes`);
  }
}
