/**
 * Preloaded (`--import`) into a benchmarked server child when `BENCH_SERVER_PAUSES=<dir>` is set: records what
 * can hold a message up inside the server, for bench/lib/pause-trace.ts to set beside the slow deliveries —
 * every garbage collection of every thread (the writer's and the verification pool's too), and on the main
 * thread every event-loop stall (a 2 ms timer firing late by more than STALL_MS: work that ran that long without
 * yielding). One JSON line per record, `{kind, thread, start, ms, detail}`, `start` in Unix epoch milliseconds,
 * appended to `<dir>/<pid>.jsonl` as it happens (records are few; appending survives a SIGKILL).
 * Plain JavaScript: worker threads inherit the flag without tsx's loader.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { constants, PerformanceObserver, performance } from "node:perf_hooks";
import { isMainThread, threadId } from "node:worker_threads";

const dir = process.env.BENCH_SERVER_PAUSES;
const TICK_MS = 2;
const STALL_MS = 3;

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "scavenge",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "mark-compact",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental marking",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
};

if (dir) {
  const file = join(dir, `${process.pid}.jsonl`);
  const thread = isMainThread ? "main" : `worker ${threadId}`;
  const record = (kind, start, ms, detail) =>
    appendFileSync(file, `${JSON.stringify({ kind, thread, start, ms, detail })}\n`);
  const epoch = (monotonic) => performance.timeOrigin + monotonic;

  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      record("gc", epoch(entry.startTime), entry.duration, GC_KINDS[entry.detail?.kind] ?? "other");
    }
  }).observe({ entryTypes: ["gc"] });

  if (isMainThread) {
    let expected = performance.now() + TICK_MS;
    setInterval(() => {
      const now = performance.now();
      const late = now - expected;
      if (late > STALL_MS) record("stall", epoch(expected), late, "event loop");
      expected = now + TICK_MS;
    }, TICK_MS).unref();
  }
}
