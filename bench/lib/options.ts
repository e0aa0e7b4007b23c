/**
 * How big and how long a run is: `full` (the default, each scenario about a minute), `quick` (`--quick`, a fast
 * look at the same figures) and `smoke` (tiny sizes, used by the test suite only to prove a scenario runs).
 */
export type BenchMode = "full" | "quick" | "smoke";

export interface BenchOptions {
  mode: BenchMode;
  /** `--pinned`: server children on one core, the load generator on the other (bench/lib/pinning.ts). */
  pinned?: boolean;
  /** `--repeat N`: each measured case N times, certchat and its baselines alternating (default 1). */
  repeat?: number;
  /** `--only a,b`: the scenarios to run (bench/run.ts; default all). */
  only?: string[];
  /** `--explain-tails`: `latency` traces the servers' GC pauses, stalls and fsyncs (bench/lib/pause-trace.ts). */
  explainTails?: boolean;
  /**
   * `--per-chat`: reconnect-storm's sockets catch up with `subscribe` + `messages` per chat (an older server's
   * way) instead of one `resume`.
   */
  perChat?: boolean;
  /** `--case one-node|rolling`: reconnect-storm runs only that case (default both). */
  stormCase?: "one-node" | "rolling";
  /**
   * `--rolling-cores shared`: pinned, both nodes of reconnect-storm's rolling restart on the server core (the
   * arrangement before 7 Dec, session 15). Default `split`: the node taking the storm has the server core to
   * itself and the node restarting runs on the load generators' core, as two nodes on two hosts.
   */
  rollingCores?: "shared" | "split";
  /**
   * `--server-env NAME=value,…`: settings for the certchat servers the scenarios start (reconnect-storm's
   * nodes), e.g. `CERTCHAT_DRAIN_SOCKETS_PER_SECOND=0` for the A/B of a setting within one build.
   */
  serverEnv?: Record<string, string>;
}

/** The value after `flag` (`--flag value` or `--flag=value`), if given. */
function flagValue(argv: string[], flag: string): string | undefined {
  const at = argv.indexOf(flag);
  if (at >= 0) return argv[at + 1];
  return argv.find((arg) => arg.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

export function optionsFromArgv(argv: string[] = process.argv.slice(2)): BenchOptions {
  const repeatText = flagValue(argv, "--repeat");
  const repeat = repeatText === undefined ? 1 : Number(repeatText);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 20) {
    throw new Error(`--repeat takes a whole number from 1 to 20, not ${repeatText}`);
  }
  const only = flagValue(argv, "--only")?.split(",").filter(Boolean);
  const stormCase = flagValue(argv, "--case");
  if (stormCase !== undefined && stormCase !== "one-node" && stormCase !== "rolling")
    throw new Error(`--case takes one-node or rolling, not ${stormCase}`);
  const serverEnv = serverEnvFrom(flagValue(argv, "--server-env"));
  const rollingCores = flagValue(argv, "--rolling-cores");
  if (rollingCores !== undefined && rollingCores !== "shared" && rollingCores !== "split")
    throw new Error(`--rolling-cores takes shared or split, not ${rollingCores}`);
  return {
    mode: argv.includes("--quick") ? "quick" : "full",
    pinned: argv.includes("--pinned"),
    repeat,
    ...(argv.includes("--explain-tails") ? { explainTails: true } : {}),
    ...(argv.includes("--per-chat") ? { perChat: true } : {}),
    ...(only ? { only } : {}),
    ...(stormCase ? { stormCase } : {}),
    ...(rollingCores ? { rollingCores } : {}),
    ...(serverEnv ? { serverEnv } : {}),
  };
}

function serverEnvFrom(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return undefined;
  const pairs = text.split(",").map((pair) => /^(CERTCHAT_[A-Z0-9_]+)=(.*)$/.exec(pair));
  if (pairs.some((match) => match === null))
    throw new Error(`--server-env takes CERTCHAT_NAME=value pairs separated by commas, not ${text}`);
  return Object.fromEntries(pairs.map((match) => [match?.[1] as string, match?.[2] as string]));
}

/** The value of a setting for the mode in force. */
export function bySize<T>(options: BenchOptions, values: Record<BenchMode, T>): T {
  return values[options.mode];
}

/** How many times each case runs (`--repeat`). */
export function repetitions(options: BenchOptions): number {
  return options.repeat ?? 1;
}
