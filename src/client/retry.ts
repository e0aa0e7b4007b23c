/** How a failed step is tried again: how many attempts in all, and the delays between them. */
export interface RetryPolicy {
  /** Attempts in all before giving up (the first included). */
  attempts: number;
  /** The delay after the first failure; each further failure doubles it, up to `maxDelayMs`. */
  firstDelayMs: number;
  maxDelayMs: number;
}

/**
 * The delay after failed attempt `attempt` (1 for the first), jittered between half and all of the doubled
 * delay: clients that failed together in a storm do not come back together.
 */
export function retryDelay(policy: RetryPolicy, attempt: number): number {
  const full = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
  return full * (0.5 + Math.random() / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts (true then: cancelled). */
export function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve(signal.aborted);
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}
