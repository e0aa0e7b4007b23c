/**
 * Send → deliver latency at fixed offered loads over Socket.IO: an open loop schedules every send in advance
 * (senders do not wait for acks) and a delivery's latency runs from its send's scheduled time to its arrival
 * at a subscriber socket, so a stall delays the figures instead of the load. Cases: 2,000 msg/s spread over
 * 100 chats of 10 subscribers, and 200 msg/s into one chat of 100 subscribers (each 20,000 deliveries/s).
 * certchat (`certchat serve` child, SQLite, durable commit before the publish) against the baseline: the
 * same schedule over a bare Socket.IO relay child (receive, ack, emit to the room). Target: p99 ≤ 10 ms.
 * Run: node --import tsx bench/latency.ts [--quick]
 */

import { describeUsage, type Usage, usageMeter } from "./lib/child-process.ts";
import { openLoop, waitFor } from "./lib/open-loop.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { bareRelay, certchatRelay, connectLayout, type Relay } from "./lib/relays.ts";
import { type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { seqOfPacket } from "./lib/socket-fixtures.ts";
import { type Latency, latencyOf } from "./lib/stats.ts";

const TARGET_P99_MS = 10;

interface Case {
  chats: number;
  perChat: number;
  sendersPerChat: number;
  /** Messages per second, over all chats. */
  rate: number;
}

interface Outcome {
  latency: Latency;
  lost: number;
  failedSends: number;
  /** The server child's use of the machine while the schedule ran. */
  server: Usage;
}

/** Runs the schedule once against `relay`; samples of the warm-up seconds are dropped. */
async function measure(relay: Relay, c: Case, seconds: number, warmSeconds: number): Promise<Outcome> {
  const layout = await connectLayout(relay, c.chats, c.perChat, c.sendersPerChat);
  try {
    const total = Math.round(c.rate * (warmSeconds + seconds));
    const warmCount = Math.round(c.rate * warmSeconds);
    const t0 = performance.now() + 100;
    const at = (seq: number) => t0 + (seq * 1000) / c.rate;
    const samples: number[] = [];
    let received = 0;
    for (const socket of layout.subscribers) {
      socket.onEvent = (packet) => {
        const seq = seqOfPacket(packet);
        if (seq < 0 || seq >= total) return;
        received++;
        if (seq >= warmCount) samples.push(performance.now() - at(seq));
      };
    }
    let failedSends = 0;
    const meter = usageMeter(relay.pid);
    await openLoop(total, at, (seq) => {
      const ofChat = layout.senders[seq % c.chats] ?? [];
      const sender = ofChat[Math.floor(seq / c.chats) % ofChat.length];
      return (sender?.send(seq) ?? Promise.reject(new Error("no sender"))).catch(() => {
        failedSends++;
      });
    });
    const expected = (total - failedSends) * c.perChat;
    await waitFor(() => received >= expected, 5000);
    return { latency: latencyOf(samples), lost: expected - received, failedSends, server: meter() };
  } finally {
    layout.close();
  }
}

async function measureCase(c: Case, options: BenchOptions): Promise<Row> {
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.5 });
  const warmSeconds = bySize(options, { full: 2, quick: 1, smoke: 0.2 });
  const run = async (relay: Relay) => {
    try {
      return await measure(relay, c, seconds, warmSeconds);
    } finally {
      await relay.dispose();
    }
  };
  const bare = await run(await bareRelay());
  const ours = await run(await certchatRelay(c.chats, options));
  const ms = (l: Latency) => `${l.p50.toFixed(2)} / ${l.p95.toFixed(2)}`;
  return row({
    name: `${c.rate} msg/s, ${c.chats} chat${c.chats > 1 ? "s" : ""} × ${c.perChat} subscribers`,
    unit: "ms p99",
    value: ours.latency.p99,
    baselineName: "bare relay p99",
    baseline: bare.latency.p99,
    detail:
      `p50/p95 ${ms(ours.latency)} ms (bare ${ms(bare.latency)}), ${ours.latency.count} deliveries in ` +
      `${seconds} s, lost ${ours.lost} (bare ${bare.lost}), failed sends ${ours.failedSends}; server ` +
      `${describeUsage(ours.server)} (bare ${describeUsage(bare.server)})`,
    target: `p99 ≤ ${TARGET_P99_MS} ms`,
    met: ours.latency.p99 <= TARGET_P99_MS && ours.lost === 0 && ours.failedSends === 0,
  });
}

export async function latency(options: BenchOptions): Promise<ScenarioResult> {
  const cases: Case[] = bySize(options, {
    full: [
      { chats: 100, perChat: 10, sendersPerChat: 1, rate: 2000 },
      { chats: 1, perChat: 100, sendersPerChat: 10, rate: 200 },
    ],
    quick: [
      { chats: 10, perChat: 10, sendersPerChat: 1, rate: 200 },
      { chats: 1, perChat: 50, sendersPerChat: 5, rate: 40 },
    ],
    smoke: [
      { chats: 2, perChat: 2, sendersPerChat: 1, rate: 20 },
      { chats: 1, perChat: 3, sendersPerChat: 2, rate: 20 },
    ],
  });
  const rows: Row[] = [];
  for (const c of cases) rows.push(await measureCase(c, options));
  return {
    scenario: "latency",
    rows,
    notes: [
      "servers are child processes; senders and subscribers are sockets of this process, on the same 2 cores",
      "open loop: latency from each send's scheduled time; certchat acks and publishes after the durable commit",
      "met requires no lost deliveries and no failed sends besides the p99",
    ],
  };
}

await runIfMain(import.meta.url, latency);
