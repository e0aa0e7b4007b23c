/**
 * Where slow deliveries come from (issue 16, target 3): while a schedule runs, what could hold a message up
 * inside the server child is recorded — garbage collections of every thread and event-loop stalls
 * (pause-recorder.mjs, preloaded when `BENCH_SERVER_PAUSES` is set), and every fsync/fdatasync with its duration
 * (`strace -f -T` attached to the child: SQLite's durable commit waits for the disk there) — and each slow
 * message is set beside the pauses that overlap the time from its scheduled send to its last delivery.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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

/** True when strace can be run here (it ships with Debian; the trace goes on without fsyncs otherwise). */
export function straceAvailable(): boolean {
  try {
    execFileSync("strace", ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** strace's `-ttt -T` line for a finished fsync: `<tid> <epoch s> fdatasync(12) = 0 <0.001234>` (or resumed). */
const FSYNC_LINE = /^(\d+)\s+(\d+\.\d+)\s+(?:<\.\.\. )?(fsync|fdatasync)\b.*<(\d+\.\d+)>\s*$/;

function parseFsyncs(text: string): Pause[] {
  const pauses: Pause[] = [];
  for (const line of text.split("\n")) {
    const match = FSYNC_LINE.exec(line);
    if (!match) continue;
    const [, tid, at, call, seconds] = match as unknown as [string, string, string, string, string];
    const ms = Number(seconds) * 1000;
    // A resumed line carries the time it finished; a whole line the time it began.
    const start = line.includes("resumed>") ? Number(at) * 1000 - ms : Number(at) * 1000;
    pauses.push({ kind: "fsync", thread: `tid ${tid}`, start, ms, detail: call });
  }
  return pauses;
}

/** Traces one server child's pauses from now until stop(). */
export class PauseTrace {
  private constructor(
    private readonly pid: number,
    private readonly dir: string,
    private readonly strace: ChildProcess | undefined,
    private readonly straceFile: string,
  ) {}

  /** `dir` must be the BENCH_SERVER_PAUSES directory the child was started with. */
  static async start(pid: number, dir: string): Promise<PauseTrace> {
    const straceFile = join(dir, `${pid}.strace`);
    if (!straceAvailable()) return new PauseTrace(pid, dir, undefined, straceFile);
    const strace = spawn(
      "strace",
      ["-f", "-qq", "-ttt", "-T", "-e", "trace=fsync,fdatasync", "-o", straceFile, "-p", String(pid)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    // Attaching takes a moment; the first line of the output file says it is in place.
    const deadline = performance.now() + 5000;
    while (!existsSync(straceFile) && performance.now() < deadline) await delay(20);
    await delay(200);
    return new PauseTrace(pid, dir, strace, straceFile);
  }

  /** Ends the trace; every pause recorded since start (GC pauses and stalls since the child started). */
  async stop(): Promise<{ pauses: Pause[]; fsyncTraced: boolean }> {
    if (this.strace && this.strace.exitCode === null) {
      const ended = new Promise((resolve) => this.strace?.once("exit", resolve));
      this.strace.kill("SIGINT");
      await ended;
    }
    const pauses: Pause[] = [];
    const recorded = join(this.dir, `${this.pid}.jsonl`);
    if (existsSync(recorded)) {
      for (const line of readFileSync(recorded, "utf8").split("\n")) {
        if (line) pauses.push(JSON.parse(line) as Pause);
      }
    }
    if (existsSync(this.straceFile)) pauses.push(...parseFsyncs(readFileSync(this.straceFile, "utf8")));
    return { pauses, fsyncTraced: this.strace !== undefined };
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
    : "fsync not traced (no strace)";
  return (
    `slow messages ${slow.length} of ${messages}` +
    (slow.length > 0 ? ` (overlapping: ${overlapped.join(", ")})` : "") +
    `; in the window: ${fsyncText}; main-thread GC ${mainGc.length} (${majors} mark-compact), longest ` +
    `${longest(mainGc)} ms; worker GC ${workerGc.length}, longest ${longest(workerGc)} ms; event-loop stalls > 3 ms ` +
    `${stalls.length}, longest ${longest(stalls)} ms`
  );
}
