import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { exited } from "../../test/support/processes.ts";
import {
  assertOnServerCore,
  describeThreadCores,
  isPinned,
  serverCommand,
  type ThreadCores,
} from "./pinning.ts";

/** Every child still running, killed when the bench process ends however it ends (error, Ctrl-C). */
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});
process.once("SIGINT", () => process.exit(130));
process.once("SIGTERM", () => process.exit(143));

const preloadGc = new URL("./gc-on-signal.mjs", import.meta.url).pathname;
const preloadPauses = new URL("./pause-recorder.mjs", import.meta.url).pathname;

/**
 * `BENCH_SERVER_PROF=<dir>` writes a CPU profile of every server child into that directory (on exit).
 * `BENCH_SERVER_PAUSES=<dir>` records every child's GC pauses and event-loop stalls there (pause-recorder.mjs).
 * The servers run with --expose-gc and a SIGUSR2 handler that collects garbage, for RSS readings.
 */
function serverNodeArgs(loader: "tsx" | "none"): string[] {
  const pausesDir = process.env.BENCH_SERVER_PAUSES;
  return [
    "--expose-gc",
    ...(loader === "tsx" ? ["--import", "tsx"] : []),
    "--import",
    preloadGc,
    ...(pausesDir ? ["--import", preloadPauses] : []),
    ...serverRuntimeArgs(),
  ];
}

/**
 * Node's flags for every server process: a CPU profile when `BENCH_SERVER_PROF=<dir>` is set, and the V8 or
 * Node flags of `BENCH_SERVER_NODE_FLAGS` (space-separated, e.g. `--max-semi-space-size=64`) for the A/B of a
 * runtime setting within one build.
 */
export function serverRuntimeArgs(): string[] {
  const profileDir = process.env.BENCH_SERVER_PROF;
  const extra = process.env.BENCH_SERVER_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
  return [...(profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : []), ...extra];
}

/** A server under test in a process of its own (its own event loop, its own RSS). */
export interface ServerChild {
  pid: number;
  /** SIGTERM (a clean exit writes the CPU profile), SIGKILL after 15 s; resolves once it has ended. */
  stop(): Promise<void>;
  /** SIGKILL at once (a crash: nothing closed, nothing drained); resolves once it has ended. */
  kill(): Promise<void>;
}

/**
 * Spawns `node <script> ...args` with the server flags and resolves once its output contains `readyText`
 * (failing after `readyMs`: a start-up compiles the sources, seconds on a loaded machine). `loader`: "none"
 * for a script that needs no tsx (the compiled CLI, or one that registers tsx itself).
 */
export function spawnServer(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  readyText: string,
  readyMs = 60_000,
  loader: "tsx" | "none" = "tsx",
): Promise<ServerChild> {
  const command = serverCommand(process.execPath, [...serverNodeArgs(loader), script, ...args]);
  const child = spawn(command.file, command.args, {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited(child);
    clearTimeout(timer);
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGKILL");
    await exited(child);
  };
  return new Promise((resolve, reject) => {
    let output = "";
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`${script} not ready in ${readyMs / 1000} s: ${output}`)),
      readyMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(readyText)) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stderr?.off("data", onData);
        // Keep draining, or a chatty server would block on a full pipe.
        child.stdout?.resume();
        child.stderr?.on("data", (more: Buffer) => process.stderr.write(more));
        resolve({ pid: child.pid as number, stop, kill });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("error", fail);
    child.once("exit", (code) => fail(new Error(`${script} exited (${code}) before ready: ${output}`)));
  });
}

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) * 1024;
}

/** Asks the server child to collect garbage (twice, as weak references need a second pass), then settles. */
export async function collectGarbage(pid: number): Promise<void> {
  for (let i = 0; i < 2; i++) {
    process.kill(pid, "SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The soft limit on open files of this process (each socket is one descriptor on either side). */
export function openFilesLimit(): number {
  const limits = readFileSync("/proc/self/limits", "utf8");
  return Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? Number.NaN);
}

/**
 * Raises this process's open-files limit (soft and hard) to `wanted` with util-linux `prlimit`, which needs
 * the privilege to raise a hard limit (root here); children started afterwards inherit it. Returns the soft
 * limit in force afterwards, lower than `wanted` when raising failed.
 */
export function raiseOpenFilesLimit(wanted: number): number {
  if (openFilesLimit() >= wanted) return openFilesLimit();
  try {
    execFileSync("prlimit", ["--pid", String(process.pid), `--nofile=${wanted}:${wanted}`], {
      stdio: "ignore",
    });
  } catch {
    // Not privileged, or no prlimit: the caller sizes its run to the limit it gets.
  }
  return openFilesLimit();
}

/** CPU time (user + system) of all a process's threads so far, in seconds (/proc/<pid>/stat, 100 ticks/s). */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds each thread of a process has run so far (schedstat, ns), keyed "tid name". */
function threadCpuSecondsOf(pid: number): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const [runNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ");
      threads.set(`${tid} ${name}`, Number(runNs) / 1e9);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** Seconds the process's main thread (its event loop) has spent runnable but waiting for a CPU. */
function runQueueSecondsOf(pid: number): number {
  const [, waitNs] = readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ");
  return Number(waitNs) / 1e9;
}

/** Write system calls (write, writev, …) the process's threads have made: `syscw` of /proc/<pid>/io. */
function writeCallsOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/io`, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("syscw:"));
  return Number(line?.slice("syscw:".length) ?? Number.NaN);
}

/** How a server child used the machine over an interval. */
export interface Usage {
  /** CPU seconds of all its threads. */
  cpuSeconds: number;
  /** cpuSeconds per second: the share of one core it used. */
  cpuShare: number;
  /** Share of the interval its event loop was ready to run but had no CPU: the machine's load, not its own. */
  waitShare: number;
  /** Its threads at the end of the interval and the cores they may run on (checked when pinned). */
  threads: ThreadCores;
  /** Write system calls of all its threads (socket writes, the database's): unaffected by the machine's load. */
  writeCalls: number;
  /** CPU seconds of each thread over the interval ("tid name"), most first. */
  byThread: { thread: string; seconds: number }[];
}

/** Starts measuring; the returned function gives the usage since then. */
export function usageMeter(pid: number): () => Usage {
  const cpu = cpuSecondsOf(pid);
  const wait = runQueueSecondsOf(pid);
  const writes = writeCallsOf(pid);
  const perThread = threadCpuSecondsOf(pid);
  const start = performance.now();
  return () => {
    const seconds = (performance.now() - start) / 1000;
    const cpuSeconds = cpuSecondsOf(pid) - cpu;
    const byThread = [...threadCpuSecondsOf(pid)]
      .map(([thread, used]) => ({ thread, seconds: used - (perThread.get(thread) ?? 0) }))
      .filter((entry) => entry.seconds > 0)
      .sort((a, b) => b.seconds - a.seconds);
    return {
      cpuSeconds,
      cpuShare: cpuSeconds / seconds,
      waitShare: (runQueueSecondsOf(pid) - wait) / seconds,
      threads: assertOnServerCore(pid),
      writeCalls: writeCallsOf(pid) - writes,
      byThread,
    };
  };
}

/** "40% of a core, waited 25% for a CPU" (pinned: ", 14 threads, all on core 0") */
export function describeUsage(usage: Usage): string {
  const percent = (share: number) => `${(share * 100).toFixed(0)}%`;
  const threads = isPinned() ? `, ${describeThreadCores(usage.threads)}` : "";
  return `${percent(usage.cpuShare)} of a core, waited ${percent(usage.waitShare)} for a CPU${threads}`;
}

/** This process's CPU time (all its threads) per second of the interval: is the load generator the limit? */
export function loadGeneratorMeter(): () => number {
  const before = process.cpuUsage();
  const start = performance.now();
  return () => {
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / (performance.now() - start);
  };
}
