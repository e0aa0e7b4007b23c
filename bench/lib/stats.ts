export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
}

/** Nearest-rank percentiles of samples in milliseconds. */
export function latencyOf(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  return { count: sorted.length, p50: at(50), p95: at(95), p99: at(99) };
}

/** Times `fn` one call after another for about `seconds` (at least `minCalls` calls); samples in ms. */
export async function sampleLatency(
  seconds: number,
  fn: (call: number) => Promise<unknown>,
  minCalls = 100,
): Promise<Latency> {
  const samples: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline || samples.length < minCalls) {
    const start = performance.now();
    await fn(samples.length);
    samples.push(performance.now() - start);
  }
  return latencyOf(samples);
}

/**
 * A closed loop: `concurrency` workers each call `fn` again as soon as the previous call finished, for about
 * `seconds`. Returns the completed calls per second (a call that throws stops the run).
 */
export async function closedLoopRate(
  concurrency: number,
  seconds: number,
  fn: (worker: number) => Promise<void>,
): Promise<{ completed: number; seconds: number; perSecond: number }> {
  let completed = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        await fn(worker);
        completed++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { completed, seconds: elapsed, perSecond: completed / elapsed };
}
