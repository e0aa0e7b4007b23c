/**
 * Where a message's server CPU goes at fixed low rates into one chat of 100 subscribers (issue 16, targets 2–3;
 * docs/PERFORMANCE.md, "Target 2 — the fixed cost of a message at low rates"): for each rate, per thread of the
 * server child its CPU µs per message (schedstat, exact; user/system split from /proc stat, 10 ms ticks) and
 * context switches per message. `--syscalls` adds the system calls per message by thread (`perf trace -s`),
 * `--record <file>` a `perf record -g` of the server per rate (`<file>.<rate>`; run with
 * NODE_OPTIONS=--perf-basic-prof-only-functions to name JavaScript frames). A probe beside the scenarios, no
 * verdict. The printed CLOCK_MONOTONIC window cuts the measured part out of a BENCH_SERVER_PROF profile.
 * Run: node --import tsx bench/per-message.ts [--pinned] [--bare] [--rates 30,150] [--seconds 8] [--syscalls]
 *      [--record <file>]
 */

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { pinCores } from "./lib/pinning.ts";
import { bareRelay, certchatRelay, connectLayout, type Layout, type Relay } from "./lib/relays.ts";
import { format } from "./lib/report.ts";
import { runSchedule } from "./lib/schedule.ts";

const PER_CHAT = 100;
const SENDERS = 10;

interface ThreadUse {
  /** CPU nanoseconds (schedstat). */
  ns: number;
  /** utime and stime, in clock ticks of 10 ms. */
  userTicks: number;
  systemTicks: number;
  voluntary: number;
  forced: number;
}

/** What each thread of the process has used so far, keyed by tid. */
function threadUse(pid: number): Map<string, ThreadUse> {
  const threads = new Map<string, ThreadUse>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const task = `/proc/${pid}/task/${tid}`;
      const stat = readFileSync(`${task}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const status = readFileSync(`${task}/status`, "utf8");
      const count = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
      threads.set(tid, {
        ns: Number(readFileSync(`${task}/schedstat`, "utf8").split(" ")[0]),
        userTicks: Number(fields[11]),
        systemTicks: Number(fields[12]),
        voluntary: count("voluntary_ctxt_switches"),
        forced: count("nonvoluntary_ctxt_switches"),
      });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** One line per thread that ran: µs per message, its user/system split, switches per message. */
function describeThreads(
  before: Map<string, ThreadUse>,
  after: Map<string, ThreadUse>,
  messages: number,
): string[] {
  const none: ThreadUse = { ns: 0, userTicks: 0, systemTicks: 0, voluntary: 0, forced: 0 };
  const rows = [...after].map(([tid, end]) => {
    const start = before.get(tid) ?? none;
    const per = (value: number) => value / messages;
    return {
      tid,
      micros: per((end.ns - start.ns) / 1000),
      user: per((end.userTicks - start.userTicks) * 10_000),
      system: per((end.systemTicks - start.systemTicks) * 10_000),
      voluntary: per(end.voluntary - start.voluntary),
      forced: per(end.forced - start.forced),
    };
  });
  const total = rows.reduce((sum, row) => sum + row.micros, 0);
  return [
    `  all threads ${format(total)} µs/msg`,
    ...rows
      .filter((row) => row.micros >= 1)
      .sort((a, b) => b.micros - a.micros)
      .map(
        (row) =>
          `  thread ${row.tid}: ${format(row.micros)} µs/msg (user ${format(row.user)} sys ${format(row.system)} by ticks), ` +
          `switches ${row.voluntary.toFixed(2)} voluntary ${row.forced.toFixed(2)} forced per msg`,
      ),
  ];
}

function flag(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** Starts `perf` with `args` and waits until it has attached (its output file exists). */
async function attachPerf(args: string[], file: string): Promise<ChildProcess> {
  const perf = spawn("perf", args, { stdio: "ignore" });
  const deadline = performance.now() + 5000;
  while (!existsSync(file) && performance.now() < deadline) await delay(20);
  await delay(300);
  return perf;
}

async function detachPerf(perf: ChildProcess): Promise<void> {
  const ended = new Promise((resolve) => perf.once("exit", resolve));
  perf.kill("SIGINT");
  await ended;
}

/** `perf trace -s`'s summary as calls per message: per thread "name (tid), N events", then one row per call. */
function describeSyscalls(summary: string, messages: number): string[] {
  const lines: string[] = [];
  let thread = "";
  for (const line of summary.split("\n")) {
    const header = /^\s*(\S.*) \((\d+)\), (\d+) events/.exec(line);
    if (header) thread = `thread ${header[2]}`;
    const call = /^\s+(\w+)\s+(\d+)\s+(\d+)\s+([\d.]+)/.exec(line);
    if (!call || !thread) continue;
    const perMessage = Number(call[2]) / messages;
    if (perMessage >= 0.05) lines.push(`  ${thread} ${call[1]}: ${perMessage.toFixed(2)}/msg`);
  }
  return lines;
}

async function measureRate(relay: Relay, layout: Layout, rate: number, seconds: number, firstSeq: number) {
  const dir = mkdtempSync(join(tmpdir(), "per-message-"));
  try {
    const traceFile = join(dir, "trace");
    const tids = readdirSync(`/proc/${relay.pid}/task`).join(",");
    const tracer = process.argv.includes("--syscalls")
      ? await attachPerf(["trace", "-s", "-o", traceFile, "--tid", tids], traceFile)
      : undefined;
    const recordFile = flag("--record") && `${flag("--record")}.${rate}`;
    const recorder = recordFile
      ? await attachPerf(
          ["record", "-F", "1999", "-g", "-o", recordFile, "-p", String(relay.pid)],
          recordFile,
        )
      : undefined;
    const before = threadUse(relay.pid);
    const startedMicros = process.hrtime.bigint() / 1000n;
    const outcome = await runSchedule(relay, layout, { rate, seconds, warmSeconds: 0, firstSeq });
    const after = threadUse(relay.pid);
    const endedMicros = process.hrtime.bigint() / 1000n;
    for (const perf of [tracer, recorder]) if (perf) await detachPerf(perf);
    const messages = Math.round(rate * seconds);
    console.log(
      `${relay.name}, ${rate} msg/s × ${PER_CHAT}, ${seconds} s: p50 ${format(outcome.latency.p50)} ` +
        `p99 ${format(outcome.latency.p99)} ms, lost ${outcome.lost}, ${format(outcome.serverMicrosPerDelivery)} µs/delivery, ` +
        `${format(outcome.server.writeCalls / messages)} writes/msg, waited ${(outcome.server.waitShare * 100).toFixed(0)}% ` +
        `for a CPU; CLOCK_MONOTONIC µs ${startedMicros}–${endedMicros}`,
    );
    for (const line of describeThreads(before, after, messages)) console.log(line);
    if (tracer)
      for (const line of describeSyscalls(readFileSync(traceFile, "utf8"), messages)) console.log(line);
    return outcome.nextSeq;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rates = (flag("--rates") ?? "30,150").split(",").map(Number);
const seconds = Number(flag("--seconds") ?? 8);
if (process.argv.includes("--pinned")) pinCores();
const relay = process.argv.includes("--bare")
  ? await bareRelay("payload-only")
  : await certchatRelay(1, { mode: "quick" });
console.log(`${relay.name}: server pid ${relay.pid}`);
try {
  const layout = await connectLayout(relay, 1, PER_CHAT, SENDERS);
  try {
    const warm = { rate: rates[0] ?? 30, seconds: 1, warmSeconds: 0.5, firstSeq: 0 };
    let firstSeq = (await runSchedule(relay, layout, warm)).nextSeq;
    for (const rate of rates) firstSeq = await measureRate(relay, layout, rate, seconds, firstSeq);
  } finally {
    layout.close();
  }
} finally {
  await relay.dispose();
}
