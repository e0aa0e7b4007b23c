/**
 * Where slow deliveries come from (issue 16, target 3): while a schedule runs, what could hold a message up
 * inside the server child is recorded — garbage collections of every thread and event-loop stalls
 * (pause-recorder.mjs, preloaded when `BENCH_SERVER_PAUSES` is set), and every fsync/fdatasync with its duration
 * (`perf trace` on every thread of the child: SQLite's durable commit waits for the disk there) — and each slow
 * message is set beside the pauses that overlap the time from its scheduled send to its last delivery.
 * perf, not strace: strace attached to a running process stops it at every system call (its seccomp filter
 * works only for processes it starts), which slowed the servers tenfold; perf reads kernel tracepoints.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { format } from "./report.ts";
import { latencyOf } from "./stats.ts";

/** Something that held a thread of the server, in Unix epoch milliseconds. */
export interface Pause {
  kind: "gc" | "stall" | "fsync";
  thread: string;
  start: number;
  ms: number;
  detail: string;
}

/** A message whose slowest delivery missed the target: its scheduled send and its last arrival (epoch ms). */
export interface SlowMessage {
  scheduled: number;
  arrived: number;
}

/** A slow fsync: longer than this holds a commit, so every message of its batch, noticeably. */
const SLOW_FSYNC_MS = 2;

/** Children started while a trace directory is in force record their pauses into it. */
export function pausesDirectory(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "certchat-pauses-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** True when `perf trace` works here (Debian's linux-perf, run as root; the trace goes on without fsyncs otherwise). */
export function perfTraceAvailable(): boolean {
  try {
    execFileSync("perf", ["trace", "-e", "fsync", "--", "true"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `perf trace -T` line of a finished fsync: `<monotonic ms> ( <ms> ms): [<comm>/<tid> ]fdatasync(fd: 12) = 0`
 * (the thread is left out when only one is traced).
 */
const FSYNC_LINE = /^\s*(\d+\.\d+) \(\s*(\d+\.\d+) ms\): (?:\S*\/(\d+) )?.*?\b(fsync|fdatasync)\(/;

/** perf's timestamps are CLOCK_MONOTONIC milliseconds: this much later is the Unix epoch. */
function monotonicToEpoch(): number {
  return performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
}

function parseFsyncs(text: string): Pause[] {
  const toEpoch = monotonicToEpoch();
  const pauses: Pause[] = [];
  for (const line of text.split("\n")) {
    const match = FSYNC_LINE.exec(line);
    if (!match) continue;
    const [, at, ms, tid, call] = match as unknown as [string, string, string, string | undefined, string];
    pauses.push({
      kind: "fsync",
      thread: tid ? `tid ${tid}` : "traced thread",
      start: Number(at) + toEpoch,
      ms: Number(ms),
      detail: call,
    });
  }
  return pauses;
}

/** The process's threads now (perf's `-p` follows only the thread it names). */
function threadsOf(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`);
}

/** Traces one server child's pauses from now until stop(). */
export class PauseTrace {
  private constructor(
    private readonly pid: number,
    private readonly dir: string,
    private readonly perf: ChildProcess | undefined,
    private readonly perfFile: string,
  ) {}

  /**
   * `dir` must be the BENCH_SERVER_PAUSES directory the child was started with. Threads the child starts after
   * this are not traced (a server has started its writer and pools once it listens).
   */
  static async start(pid: number, dir: string): Promise<PauseTrace> {
    const perfFile = join(dir, `${pid}.perf-trace`);
    if (!perfTraceAvailable()) return new PauseTrace(pid, dir, undefined, perfFile);
    const perf = spawn(
      "perf",
      ["trace", "-T", "-e", "fsync,fdatasync", "-o", perfFile, "--tid", threadsOf(pid).join(",")],
      { stdio: "ignore" },
    );
    // Attaching takes a moment; perf creates its output file once it is in place.
    const deadline = performance.now() + 5000;
    while (!existsSync(perfFile) && performance.now() < deadline) await delay(20);
    await delay(200);
    return new PauseTrace(pid, dir, perf, perfFile);
  }

  /** Ends the trace; every pause recorded since start (GC pauses and stalls since the child started). */
  async stop(): Promise<{ pauses: Pause[]; fsyncTraced: boolean }> {
    // A perf that already ended (by a signal too: then exitCode stays null) has emitted its exit already.
    if (this.perf && this.perf.exitCode === null && this.perf.signalCode === null) {
      const ended = new Promise((resolve) => this.perf?.once("exit", resolve));
      this.perf.kill("SIGINT");
      await ended;
    }
    const pauses: Pause[] = [];
    const recorded = join(this.dir, `${this.pid}.jsonl`);
    if (existsSync(recorded)) {
      for (const line of readFileSync(recorded, "utf8").split("\n")) {
        if (line) pauses.push(JSON.parse(line) as Pause);
      }
    }
    if (existsSync(this.perfFile)) pauses.push(...parseFsyncs(readFileSync(this.perfFile, "utf8")));
    return { pauses, fsyncTraced: this.perf !== undefined };
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function overlaps(pause: Pause, message: SlowMessage): boolean {
  return pause.start < message.arrived && pause.start + pause.ms > message.scheduled;
}

/** The pauses that can hold a message: main-thread GC and stalls, any thread's GC, fsyncs over SLOW_FSYNC_MS. */
function holding(pause: Pause): string | undefined {
  if (pause.kind === "fsync") return pause.ms > SLOW_FSYNC_MS ? `fsync > ${SLOW_FSYNC_MS} ms` : undefined;
  if (pause.kind === "stall") return "event-loop stall";
  return pause.thread === "main" ? "main-thread GC" : "worker GC";
}

/**
 * One line: the slow messages and what overlapped them (a message can overlap several kinds; "nothing
 * recorded" when none), then the window's pauses — fsync percentiles, GC count and longest, stalls.
 */
export function explainSlowMessages(
  slow: SlowMessage[],
  messages: number,
  window: { start: number; end: number },
  trace: { pauses: Pause[]; fsyncTraced: boolean },
): string {
  const inWindow = trace.pauses.filter((p) => p.start + p.ms >= window.start && p.start <= window.end);
  const causes = new Map<string, number>();
  let unexplained = 0;
  for (const message of slow) {
    const kinds = new Set(inWindow.filter((p) => overlaps(p, message)).flatMap((p) => holding(p) ?? []));
    if (kinds.size === 0) unexplained++;
    for (const kind of kinds) causes.set(kind, (causes.get(kind) ?? 0) + 1);
  }
  const overlapped = [...causes].map(([kind, count]) => `${kind} ${count}`);
  if (unexplained > 0) overlapped.push(`nothing recorded ${unexplained}`);
  const fsyncs = latencyOf(inWindow.filter((p) => p.kind === "fsync").map((p) => p.ms));
  const longest = (of: Pause[]) => format(of.reduce((max, p) => Math.max(max, p.ms), 0));
  const mainGc = inWindow.filter((p) => p.kind === "gc" && p.thread === "main");
  const workerGc = inWindow.filter((p) => p.kind === "gc" && p.thread !== "main");
  const stalls = inWindow.filter((p) => p.kind === "stall");
  const majors = mainGc.filter((p) => p.detail === "mark-compact").length;
  const fsyncText = trace.fsyncTraced
    ? `fsync ${fsyncs.count}: p50 ${format(fsyncs.p50)} / p99 ${format(fsyncs.p99)} / max ${longest(inWindow.filter((p) => p.kind === "fsync"))} ms`
    : "fsync not traced (no perf trace)";
  return (
    `slow messages ${slow.length} of ${messages}` +
    (slow.length > 0 ? ` (overlapping: ${overlapped.join(", ")})` : "") +
    `; in the window: ${fsyncText}; main-thread GC ${mainGc.length} (${majors} mark-compact), longest ` +
    `${longest(mainGc)} ms; worker GC ${workerGc.length}, longest ${longest(workerGc)} ms; event-loop stalls > 3 ms ` +
    `${stalls.length}, longest ${longest(stalls)} ms`
  );
}
