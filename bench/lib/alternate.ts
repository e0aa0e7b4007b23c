/**
 * `--repeat N`: each side of a comparison measured N times, interleaved (A B C, then C B A, …) so that a burst
 * of load elsewhere on the machine, or a drift over the run, falls on every side rather than on one.
 */
export async function alternating<K extends string, T>(
  times: number,
  sides: Record<K, () => Promise<T>>,
): Promise<Record<K, T[]>> {
  const keys = Object.keys(sides) as K[];
  const outcomes = Object.fromEntries(keys.map((key) => [key, [] as T[]])) as Record<K, T[]>;
  for (let rep = 0; rep < times; rep++) {
    const order = rep % 2 === 0 ? keys : [...keys].reverse();
    for (const key of order) outcomes[key].push(await sides[key]());
  }
  return outcomes;
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
