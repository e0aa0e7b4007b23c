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

/** How a run of attempts ended. */
export type RetryEnd = { kind: "done" } | { kind: "cancelled" } | { kind: "failed"; error: unknown };

export interface RetryRun {
  policy: RetryPolicy;
  /** Aborted: the run stops (cancelled), between attempts or after one fails. */
  signal: AbortSignal;
  /** Whether the run is still wanted (checked after a failure and after each delay). */
  wanted: () => boolean;
  /** A failure no retry changes: the run gives up at once. */
  final: (error: unknown) => boolean;
  /** Told of each failed attempt; `retrying` false when the run gives up after it. */
  failed: (attempt: number, error: unknown, retrying: boolean) => void;
}

/** Runs `step` until it succeeds, the run is cancelled or no longer wanted, or the attempts run out. */
export async function retryUntilDone(run: RetryRun, step: () => Promise<void>): Promise<RetryEnd> {
  for (let attempt = 1; ; attempt++) {
    try {
      await step();
      return { kind: "done" };
    } catch (error) {
      if (run.signal.aborted || !run.wanted()) return { kind: "cancelled" };
      const retrying = !run.final(error) && attempt < run.policy.attempts;
      run.failed(attempt, error, retrying);
      if (!retrying) return { kind: "failed", error };
      const cancelled = await pause(retryDelay(run.policy, attempt), run.signal);
      if (cancelled || !run.wanted()) return { kind: "cancelled" };
    }
  }
}
