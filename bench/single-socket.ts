/**
 * One fast socket (issue 16, target 4): acked messages per second from a single socket, one send at a time
 * and with IN_FLIGHT sends outstanding (bots and integrations send from one connection). certchat
 * (`certchat serve` child, SQLite; every ack after the durable commit) against a bare Socket.IO relay acking
 * each ciphertext from its one socket, in the same run. Target: ≥ 5,000 acked msg/s with IN_FLIGHT outstanding
 * (judged pinned).
 * Run: node --import tsx bench/single-socket.ts [--quick] [--pinned] [--repeat N]
 */

import { alternating, median } from "./lib/alternate.ts";
import { describeUsage, type Usage, usageMeter } from "./lib/child-process.ts";
import { type BenchOptions, bySize, repetitions } from "./lib/options.ts";
import { bareRelay, certchatRelay, type Relay } from "./lib/relays.ts";
import { format, pinnedVerdict, type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGET_PER_SECOND = 5000;
/**
 * Sends outstanding on the one socket: below the 128 a socket has worked on at once, and the 1,000 queued
 * beyond which certchat refuses events (docs/DECISIONS.md §13).
 */
const IN_FLIGHT = 100;

interface Outcome {
  perSecond: number;
  server: Usage;
  microsPerMessage: number;
}

async function measure(
  relay: Relay,
  inFlight: number,
  seconds: number,
  warmSeconds: number,
): Promise<Outcome> {
  const sender = await relay.sender(0, 0);
  try {
    let seq = 0;
    const send = () => sender.send(seq++);
    await closedLoopRate(inFlight, warmSeconds, send);
    const meter = usageMeter(relay.pid);
    const rate = await closedLoopRate(inFlight, seconds, send);
    const server = meter();
    return {
      perSecond: rate.perSecond,
      server,
      microsPerMessage: (server.cpuSeconds * 1e6) / rate.completed,
    };
  } finally {
    sender.socket.close();
  }
}

async function measureInFlight(inFlight: number, options: BenchOptions): Promise<Row> {
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.3 });
  const warmSeconds = bySize(options, { full: 2, quick: 1, smoke: 0.1 });
  const run = (start: () => Promise<Relay>) => async () => {
    const relay = await start();
    try {
      return await measure(relay, inFlight, seconds, warmSeconds);
    } finally {
      await relay.dispose();
    }
  };
  const outcomes = await alternating(repetitions(options), {
    bare: run(() => bareRelay("payload-only")),
    certchat: run(() => certchatRelay(1, options)),
  });
  const ours = median(outcomes.certchat.map((o) => o.perSecond));
  const bare = median(outcomes.bare.map((o) => o.perSecond));
  const last = <T>(of: T[]) => of[of.length - 1] as T;
  const judged = inFlight === IN_FLIGHT;
  const reps =
    outcomes.certchat.length > 1
      ? `; reps ${outcomes.certchat.map((o) => format(o.perSecond)).join(" / ")} (bare ${outcomes.bare.map((o) => format(o.perSecond)).join(" / ")})`
      : "";
  return row({
    name: `1 socket, ${inFlight} in flight`,
    unit: "acked msg/s",
    value: ours,
    baselineName: "bare payload only",
    baseline: bare,
    repetitions: outcomes.certchat.map((o) => o.perSecond),
    detail:
      `server ${format(last(outcomes.certchat).microsPerMessage)} µs CPU per message (bare ` +
      `${format(last(outcomes.bare).microsPerMessage)}), ${describeUsage(last(outcomes.certchat).server)}${reps}`,
    ...(judged
      ? {
          target: `≥ ${TARGET_PER_SECOND} msg/s`,
          met: pinnedVerdict(ours >= TARGET_PER_SECOND),
          issue: "16.4",
        }
      : {}),
  });
}

export async function singleSocket(options: BenchOptions): Promise<ScenarioResult> {
  const rows: Row[] = [];
  for (const inFlight of [1, IN_FLIGHT]) rows.push(await measureInFlight(inFlight, options));
  return {
    scenario: "single-socket",
    rows,
    notes: [
      "one sender socket into a chat nobody is subscribed to: the figure is the ack path, not fan-out",
      "certchat acks after the durable commit (SQLite); the bare relay acks on receipt",
    ],
  };
}

await runIfMain(import.meta.url, singleSocket);
