/**
 * Runs `work(0..count-1)` with at most `concurrency` in flight, each on one of `concurrency` workers
 * (`worker` says which, so a worker may keep state such as a connection). Stops starting new work after `deadline`
 * (epoch ms) and returns how many were started.
 */
export async function runPool(
  count: number,
  concurrency: number,
  deadline: number,
  work: (index: number, worker: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const lane = async (worker: number) => {
    while (next < count && Date.now() < deadline) {
      const index = next;
      next += 1;
      await work(index, worker);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, worker) => lane(worker)));
  return next;
}
