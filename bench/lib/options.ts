/**
 * How big and how long a run is: `full` (the default, each scenario about a minute), `quick` (`--quick`, a fast
 * look at the same figures) and `smoke` (tiny sizes, used by the test suite only to prove a scenario runs).
 */
export type BenchMode = "full" | "quick" | "smoke";

export interface BenchOptions {
  mode: BenchMode;
}

export function optionsFromArgv(argv: string[] = process.argv.slice(2)): BenchOptions {
  return { mode: argv.includes("--quick") ? "quick" : "full" };
}

/** The value of a setting for the mode in force. */
export function bySize<T>(options: BenchOptions, values: Record<BenchMode, T>): T {
  return values[options.mode];
}
