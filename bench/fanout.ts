/**
 * Fan-out over Socket.IO: one chat of 1,000 subscribed sockets; senders' messages go through certchat
 * (validated, committed, published: `certchat serve` child, SQLite) against the baseline of a bare Socket.IO
 * room broadcast (plain socket.io Server child: `send` acked and emitted to the room) of same-sized payloads.
 * Closed loop: each sender sends its next message once acked, while at most WINDOW deliveries are
 * outstanding (so neither server queues without bound). Figure: deliveries per second
 * counted at the subscribers. Target: ≥ 0.5× the bare broadcast.
 * Run: node --import tsx bench/fanout.ts [--quick]
 */

import { describeUsage, type Usage, usageMeter } from "./lib/child-process.ts";
import { waitFor } from "./lib/open-loop.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { bareRelay, certchatRelay, connectLayout, type Relay } from "./lib/relays.ts";
import { row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGET_RATIO = 0.5;

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
  server: Usage;
}

async function measure(relay: Relay, subscribers: number, seconds: number): Promise<Outcome> {
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
    await closedLoopRate(SENDERS, Math.min(2, seconds), send); // warm-up
    const before = received;
    const meter = usageMeter(relay.pid);
    const start = performance.now();
    const run = await closedLoopRate(SENDERS, seconds, send);
    const elapsed = (performance.now() - start) / 1000;
    const server = meter();
    const deliveries = received - before;
    return {
      deliveriesPerSecond: deliveries / elapsed,
      messagesPerSecond: run.perSecond,
      serverMicrosPerDelivery: (server.cpuSeconds * 1e6) / deliveries,
      server,
    };
  } finally {
    layout.close();
  }
}

export async function fanout(options: BenchOptions): Promise<ScenarioResult> {
  const subscribers = bySize(options, { full: 1000, quick: 100, smoke: 5 });
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.3 });
  const run = async (relay: Relay) => {
    try {
      return await measure(relay, subscribers, seconds);
    } finally {
      await relay.dispose();
    }
  };
  const bare = await run(await bareRelay());
  const ours = await run(await certchatRelay(1, options));
  const ratio = ours.deliveriesPerSecond / bare.deliveriesPerSecond;
  return {
    scenario: "fanout",
    rows: [
      row({
        name: `1 chat × ${subscribers} subscribers`,
        unit: "deliveries/s",
        value: ours.deliveriesPerSecond,
        baselineName: "bare room broadcast",
        baseline: bare.deliveriesPerSecond,
        detail:
          `${ours.messagesPerSecond.toFixed(0)} msg/s sent (bare ${bare.messagesPerSecond.toFixed(0)}), ` +
          `server ${describeUsage(ours.server)} (bare ${describeUsage(bare.server)}), ${SENDERS} senders`,
        target: `≥ ${TARGET_RATIO}× bare`,
        met: ratio >= TARGET_RATIO,
      }),
      // Server CPU per delivery: the same comparison when the load generator, not the server, sets the pace.
      row({
        name: "server CPU per delivery",
        unit: "µs",
        value: ours.serverMicrosPerDelivery,
        baselineName: "bare room broadcast",
        baseline: bare.serverMicrosPerDelivery,
        target: `≤ ${1 / TARGET_RATIO}× bare`,
        met: ours.serverMicrosPerDelivery <= bare.serverMicrosPerDelivery / TARGET_RATIO,
      }),
    ],
    notes: [
      "servers are child processes; senders and subscribers are sockets of this process, on the same 2 cores",
      `closed loop: next send after the ack, while at most ${WINDOW} deliveries are outstanding`,
      "a server well under 100% of a core means the load generator, not the server, set the pace",
    ],
  };
}

await runIfMain(import.meta.url, fanout);
