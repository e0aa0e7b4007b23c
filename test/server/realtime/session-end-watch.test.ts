import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { watchSessionEnds } from "../../../src/server/realtime/session-end-watch.ts";

const logger = pino({ level: "silent" });

/** A count the test sets, and a wait for the watch's next reads (the barrier "nothing was called" is judged at). */
function countSource(initial: number) {
  let value: number | Error = initial;
  let waiters: (() => void)[] = [];
  return {
    set(next: number | Error) {
      value = next;
    },
    async count(): Promise<number> {
      const current = value;
      const woken = waiters;
      waiters = [];
      // After this read's answer is handled: the watch has compared it by the time a waiter runs.
      setImmediate(() => {
        for (const wake of woken) wake();
      });
      if (current instanceof Error) throw current;
      return current;
    },
    /** Resolves once `reads` more reads have been answered and handled. */
    async reads(reads: number): Promise<void> {
      // The watch's timer does not hold the process open; this does while the test waits.
      const alive = setInterval(() => {}, 1000);
      try {
        for (let i = 0; i < reads; i++) await new Promise<void>((resolve) => waiters.push(resolve));
      } finally {
        clearInterval(alive);
      }
    },
  };
}

/** Runs `body` while a watch reads `source`; `ended()` says how often it has called onEnded so far. */
async function whileWatching(
  source: ReturnType<typeof countSource>,
  body: (ended: () => number) => Promise<void>,
): Promise<void> {
  let ended = 0;
  const watch = watchSessionEnds({ count: source.count, onEnded: () => ended++, intervalMs: 1, logger });
  try {
    await body(() => ended);
  } finally {
    watch.stop();
  }
}

test("an unchanged count never calls onEnded", async () => {
  const source = countSource(7);
  await whileWatching(source, async (ended) => {
    await source.reads(5);
    assert.equal(ended(), 0);
  });
});

test("a count that moved calls onEnded once per change", async () => {
  const source = countSource(7);
  await whileWatching(source, async (ended) => {
    await source.reads(1);
    source.set(8);
    await source.reads(3);
    assert.equal(ended(), 1);
  });
});

test("the first read after a failed one counts as a change (endings may have been missed meanwhile)", async () => {
  const source = countSource(7);
  await whileWatching(source, async (ended) => {
    await source.reads(1);
    source.set(new Error("database unreachable"));
    await source.reads(2);
    assert.equal(ended(), 0);
    source.set(7);
    await source.reads(2);
    assert.equal(ended(), 1);
  });
});
