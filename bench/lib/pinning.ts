/**
 * Pinned mode (`--pinned`, docs/PERFORMANCE.md): every server child and all of its threads on core 0, this
 * process (the load generator) and all of its threads on core 1, so a server's figures are those of one core
 * of its own, not of whatever share of two cores it took from the generator. `taskset` sets a process's
 * affinity mask; threads started later (worker threads, the libuv pool) inherit it, which `threadCores`
 * checks after a measurement rather than assuming.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

let pinned = false;

/** Pins this process's threads to LOAD_CORE; server children spawned from now on run on SERVER_CORE. */
export function pinCores(): void {
  if (availableParallelism() < 2) throw new Error("--pinned needs two cores this process may run on");
  setCore(process.pid, LOAD_CORE);
  pinned = true;
}

export function isPinned(): boolean {
  return pinned;
}

/**
 * The command and arguments that run `file args` as a server child: under `taskset` when pinned, on `core`
 * (SERVER_CORE unless a scenario places a server elsewhere, as the rolling restart does with the node restarting).
 */
export function serverCommand(
  file: string,
  args: string[],
  core: number = SERVER_CORE,
): { file: string; args: string[] } {
  if (!pinned) return { file, args };
  // taskset sets the mask and execs the command: the child's pid is the server's own.
  return { file: "taskset", args: ["--cpu-list", String(core), file, ...args] };
}

/** When pinned, moves every thread of a running process to `core` (threads it starts later inherit it). */
export function moveToCore(pid: number, core: number): void {
  if (pinned) setCore(pid, core);
}

/** Every thread of `pid` on `core`. */
function setCore(pid: number, core: number): void {
  execFileSync("taskset", ["--all-tasks", "--cpu-list", "--pid", String(core), String(pid)], {
    stdio: "ignore",
  });
}

/** The threads of a process and the distinct core lists they may run on (Cpus_allowed_list of each). */
export interface ThreadCores {
  threads: number;
  cores: string[];
}

export function threadCores(pid: number): ThreadCores {
  const tasks = readdirSync(`/proc/${pid}/task`);
  const cores = new Set<string>();
  for (const task of tasks) {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, "utf8");
      const list = /^Cpus_allowed_list:\s+(\S+)/m.exec(status)?.[1];
      if (list) cores.add(list);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return { threads: tasks.length, cores: [...cores] };
}

/** "14 threads, all on core 0", or "14 threads on cores 0-1" (a pinning that did not hold). */
export function describeThreadCores({ threads, cores }: ThreadCores): string {
  return cores.length === 1
    ? `${threads} threads, all on core ${cores[0]}`
    : `${threads} threads on cores ${cores.join(" / ")}`;
}

/** Fails when pinned and some thread of `pid` may run elsewhere than `core` (SERVER_CORE by default). */
export function assertOnServerCore(pid: number, core: number = SERVER_CORE): ThreadCores {
  const found = threadCores(pid);
  if (pinned && (found.cores.length !== 1 || found.cores[0] !== String(core))) {
    throw new Error(`server ${pid} is not pinned to core ${core}: ${describeThreadCores(found)}`);
  }
  return found;
}
