/**
 * Fan-out over Socket.IO (issue 16, target 1): one chat of K subscribed sockets (K = 100 and 1,000); senders'
 * messages go through certchat (validated, committed, published: `certchat serve` child, SQLite) and through
 * two baselines from the same run, bare Socket.IO 4 relays (bench/lib/bare-socketio-server.ts: `send` acked and
 * emitted to the room): one relaying a message object shaped and sized as certchat's, one relaying only the
 * ciphertext (what a minimal relay would send). Closed loop: each sender sends its next message once acked,
 * while at most WINDOW deliveries are outstanding (so no server queues without bound). Figures: deliveries per
 * second counted at the subscribers, and the server's CPU time (all its threads, /proc/<pid>/stat) per
 * delivery. Targets, judged in pinned mode: CPU per delivery ≤ 1.1× the same-object relay's and ≤ 1.4× the
 * payload-only relay's; deliveries/s (the server on one core) ≥ 0.7× the payload-only relay's.
 * Run: node --import tsx bench/fanout.ts [--quick] [--pinned] [--repeat N]
 */

import { alternating, median } from "./lib/alternate.ts";
import { describeUsage, loadGeneratorMeter, type Usage, usageMeter } from "./lib/child-process.ts";
import { waitFor } from "./lib/open-loop.ts";
import { type BenchOptions, bySize, repetitions } from "./lib/options.ts";
import { isPinned } from "./lib/pinning.ts";
import { bareRelay, certchatRelay, connectLayout, type Relay } from "./lib/relays.ts";
import { format, pinnedVerdict, type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGETS = { sameObjectCpu: 1.1, payloadOnlyCpu: 1.4, payloadOnlyRate: 0.7 } as const;

/**
 * Deliveries that may be outstanding (sent, not yet received): enough messages in flight to cover a commit's
 * latency, few enough that neither server queues without bound.
 */
const WINDOW = 20_000;
const SENDERS = 20;

interface Outcome {
  deliveriesPerSecond: number;
  messagesPerSecond: number;
  /** The server's CPU time per delivery: comparable even when the load generator is the bottleneck. */
  serverMicrosPerDelivery: number;
  /** The server's write system calls per delivery: 1 when each delivery is its own write. */
  writesPerDelivery: number;
  server: Usage;
  /** This process's (the load generator's) CPU share of one core over the run. */
  generatorShare: number;
}

async function measure(
  relay: Relay,
  subscribers: number,
  seconds: number,
  warmSeconds: number,
): Promise<Outcome> {
  const layout = await connectLayout(relay, 1, subscribers, SENDERS);
  try {
    let received = 0;
    for (const socket of layout.subscribers) {
      socket.onEvent = () => {
        received++;
      };
    }
    let sent = 0;
    const send = async (worker: number) => {
      await waitFor(() => sent * subscribers - received < WINDOW, 30_000);
      await layout.senders[0]?.[worker]?.send(sent++);
    };
    await closedLoopRate(SENDERS, warmSeconds, send);
    const before = received;
    const meter = usageMeter(relay.pid);
    const generator = loadGeneratorMeter();
    const start = performance.now();
    const run = await closedLoopRate(SENDERS, seconds, send);
    const elapsed = (performance.now() - start) / 1000;
    const server = meter();
    const generatorShare = generator();
    const deliveries = received - before;
    return {
      deliveriesPerSecond: deliveries / elapsed,
      messagesPerSecond: run.perSecond,
      serverMicrosPerDelivery: (server.cpuSeconds * 1e6) / deliveries,
      writesPerDelivery: server.writeCalls / deliveries,
      server,
      generatorShare,
    };
  } finally {
    layout.close();
  }
}

const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

/** One relay's outcomes over the repetitions: medians, and what each repetition gave. */
function summarise(outcomes: Outcome[]) {
  const last = outcomes[outcomes.length - 1] as Outcome;
  return {
    rate: median(outcomes.map((o) => o.deliveriesPerSecond)),
    rates: outcomes.map((o) => o.deliveriesPerSecond),
    cpu: median(outcomes.map((o) => o.serverMicrosPerDelivery)),
    cpus: outcomes.map((o) => o.serverMicrosPerDelivery),
    messages: median(outcomes.map((o) => o.messagesPerSecond)),
    writes: median(outcomes.map((o) => o.writesPerDelivery)),
    describe: `server ${describeUsage(last.server)}, generator ${percent(last.generatorShare)} of a core`,
  };
}

async function measureFanout(subscribers: number, options: BenchOptions): Promise<Row[]> {
  const seconds = bySize(options, { full: 10, quick: 2, smoke: 0.3 });
  const warmSeconds = bySize(options, { full: 2, quick: 1, smoke: 0.2 });
  const run = (start: () => Promise<Relay>) => async () => {
    const relay = await start();
    try {
      return await measure(relay, subscribers, seconds, warmSeconds);
    } finally {
      await relay.dispose();
    }
  };
  const outcomes = await alternating(repetitions(options), {
    sameObject: run(() => bareRelay("same-object")),
    payloadOnly: run(() => bareRelay("payload-only")),
    certchat: run(() => certchatRelay(1, options)),
  });
  const ours = summarise(outcomes.certchat);
  const same = summarise(outcomes.sameObject);
  const payload = summarise(outcomes.payloadOnly);
  const pinned = isPinned();
  const reps = (values: number[]) => (values.length > 1 ? `; reps ${values.map(format).join(" / ")}` : "");
  const name = `1 chat × ${subscribers}`;
  const median = repetitions(options) > 1 ? "median of reps; " : "";
  return [
    row({
      name: `${name}: deliveries/s${pinned ? " (server on 1 core)" : ""}`,
      unit: "deliv/s",
      value: ours.rate,
      baselineName: "bare payload only",
      baseline: payload.rate,
      repetitions: ours.rates,
      detail:
        `${median}bare same object ${format(same.rate)}; ${format(ours.messages)} msg/s sent (bare payload ` +
        `${format(payload.messages)}); ${ours.describe}; bare payload: ${payload.describe}${reps(ours.rates)}`,
      target: `≥ ${TARGETS.payloadOnlyRate}× bare payload`,
      met: pinnedVerdict(ours.rate >= TARGETS.payloadOnlyRate * payload.rate),
      issue: "16.1",
    }),
    row({
      name: `${name}: server CPU per delivery`,
      unit: "µs",
      value: ours.cpu,
      baselineName: "bare same object",
      baseline: same.cpu,
      repetitions: ours.cpus,
      detail:
        `${median}${ours.writes.toFixed(2)} write system calls per delivery (bare same object ` +
        `${same.writes.toFixed(2)}); same object ${same.describe}${reps(ours.cpus)}`,
      target: `≤ ${TARGETS.sameObjectCpu}× bare same object`,
      met: pinnedVerdict(ours.cpu <= TARGETS.sameObjectCpu * same.cpu),
      issue: "16.1",
    }),
    row({
      name: `${name}: server CPU per delivery`,
      unit: "µs",
      value: ours.cpu,
      baselineName: "bare payload only",
      baseline: payload.cpu,
      repetitions: ours.cpus,
      detail: `${median}bare payload only reps ${payload.cpus.map(format).join(" / ")}`,
      target: `≤ ${TARGETS.payloadOnlyCpu}× bare payload only`,
      met: pinnedVerdict(ours.cpu <= TARGETS.payloadOnlyCpu * payload.cpu),
      issue: "16.1",
    }),
  ];
}

export async function fanout(options: BenchOptions): Promise<ScenarioResult> {
  const sizes = bySize(options, { full: [100, 1000], quick: [100, 1000], smoke: [5] });
  const rows: Row[] = [];
  for (const subscribers of sizes) rows.push(...(await measureFanout(subscribers, options)));
  return {
    scenario: "fanout",
    rows,
    notes: [
      isPinned()
        ? "pinned: each server child (all its threads) on core 0, this load generator on core 1"
        : "unpinned: servers and load generator share the cores, so the targets are not judged (run --pinned)",
      "server CPU = user + system time of all the server's threads (/proc/<pid>/stat) over the measured interval",
      `closed loop, ${SENDERS} senders: next send after the ack, while at most ${WINDOW} deliveries are outstanding`,
      "a server well under 100% of its core, or a generator near 100% of its own, means the generator set the pace",
    ],
  };
}

await runIfMain(import.meta.url, fanout);
