/**
 * An open loop: call `fire(i)` for i = 0…total-1 at the times `at(i)` (performance.now() ms), whether or not
 * earlier calls have finished, so a slow server cannot slow the offered load down (no coordinated omission:
 * latency is measured from `at(i)`, timer lateness included). Resolves once every call has settled.
 */
export function openLoop(
  total: number,
  at: (i: number) => number,
  fire: (i: number) => Promise<void>,
): Promise<void> {
  return new Promise((resolve) => {
    const pending: Promise<void>[] = [];
    let next = 0;
    const tick = () => {
      const now = performance.now();
      while (next < total && at(next) <= now) pending.push(fire(next++));
      if (next < total) setTimeout(tick, 1);
      else resolve(Promise.all(pending).then(() => undefined));
    };
    tick();
  });
}

/** Resolves once `done()` holds or `ms` have passed (polling every 10 ms); true when it held. */
export async function waitFor(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!done()) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
