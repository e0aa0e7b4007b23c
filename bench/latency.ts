/**
 * Send → deliver latency at fixed offered loads over Socket.IO (bench/lib/schedule.ts: an open loop, latency
 * from each send's scheduled time). Cases: 2,000 msg/s spread over 100 chats of 10 subscribers (issue 7:
 * p99 ≤ 10 ms), and 250 and 500 msg/s into one chat of 100 subscribers (issue 16, target 3: p99 ≤ 5 ms in
 * every repetition). certchat (`certchat serve` child, SQLite, durable commit before the publish) against the
 * baseline: the same schedule over a bare Socket.IO relay child relaying only the ciphertext. With
 * `--repeat N` the two alternate and the figure is the worst repetition's p99.
 * Run: node --import tsx bench/latency.ts [--quick] [--pinned] [--repeat N]
 */

import { alternating } from "./lib/alternate.ts";
import { describeUsage } from "./lib/child-process.ts";
import { type BenchOptions, bySize, repetitions } from "./lib/options.ts";
import { bareRelay, certchatRelay, connectLayout, type Relay } from "./lib/relays.ts";
import { format, pinnedVerdict, type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { runSchedule, type ScheduleOutcome, withinTarget, withRelay } from "./lib/schedule.ts";
import type { Latency } from "./lib/stats.ts";

interface Case {
  chats: number;
  perChat: number;
  sendersPerChat: number;
  /** Messages per second, over all chats. */
  rate: number;
  p99Ms: number;
  /** The issue-16 target the case judges (judged pinned only), if any. */
  issue?: string;
}

async function measureCase(c: Case, options: BenchOptions): Promise<Row> {
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.5 });
  const warmSeconds = bySize(options, { full: 2, quick: 1, smoke: 0.2 });
  const run = (start: () => Promise<Relay>) => () =>
    withRelay(
      start,
      (relay) => connectLayout(relay, c.chats, c.perChat, c.sendersPerChat),
      (relay, layout) => runSchedule(relay, layout, { rate: c.rate, seconds, warmSeconds, firstSeq: 0 }),
    );
  const outcomes = await alternating(repetitions(options), {
    bare: run(() => bareRelay("payload-only")),
    certchat: run(() => certchatRelay(c.chats, options)),
  });
  const worst = (of: ScheduleOutcome[]) =>
    of.reduce((a, b) => (b.latency.p99 > a.latency.p99 ? b : a), of[0] as ScheduleOutcome);
  const ours = worst(outcomes.certchat);
  const bare = worst(outcomes.bare);
  const ms = (l: Latency) => `${l.p50.toFixed(2)} / ${l.p95.toFixed(2)}`;
  const p99s = outcomes.certchat.map((o) => o.latency.p99);
  const met = outcomes.certchat.every((o) => withinTarget(o, c.p99Ms));
  const reps = p99s.length > 1 ? `; p99 of each rep ${p99s.map(format).join(" / ")} ms` : "";
  return row({
    name: `${c.rate} msg/s, ${c.chats} chat${c.chats > 1 ? "s" : ""} × ${c.perChat} subscribers`,
    unit: "ms p99",
    value: ours.latency.p99,
    baselineName: "bare payload only p99",
    baseline: bare.latency.p99,
    repetitions: p99s,
    detail:
      `worst rep: p50/p95 ${ms(ours.latency)} ms (bare ${ms(bare.latency)}), ${ours.latency.count} deliveries in ` +
      `${seconds} s, lost ${ours.lost} (bare ${bare.lost}), failed sends ${ours.failedSends}; server ` +
      `${format(ours.serverMicrosPerDelivery)} µs CPU per delivery (bare ${format(bare.serverMicrosPerDelivery)}), ` +
      `${describeUsage(ours.server)} (bare ${describeUsage(bare.server)}); generator ` +
      `${(ours.generatorShare * 100).toFixed(0)}% of a core${reps}`,
    target: `p99 ≤ ${c.p99Ms} ms${c.issue ? " every rep" : ""}`,
    ...(c.issue ? { met: pinnedVerdict(met), issue: c.issue } : { met }),
  });
}

export async function latency(options: BenchOptions): Promise<ScenarioResult> {
  const tails = (perChat: number, senders: number): Case[] =>
    [250, 500].map((rate) => ({ chats: 1, perChat, sendersPerChat: senders, rate, p99Ms: 5, issue: "16.3" }));
  const cases: Case[] = bySize(options, {
    full: [{ chats: 100, perChat: 10, sendersPerChat: 1, rate: 2000, p99Ms: 10 }, ...tails(100, 10)],
    quick: [{ chats: 10, perChat: 10, sendersPerChat: 1, rate: 200, p99Ms: 10 }, ...tails(100, 10)],
    smoke: [{ chats: 2, perChat: 2, sendersPerChat: 1, rate: 20, p99Ms: 10 }, ...tails(3, 2).slice(0, 1)],
  });
  const rows: Row[] = [];
  for (const c of cases) rows.push(await measureCase(c, options));
  return {
    scenario: "latency",
    rows,
    notes: [
      "servers are child processes; senders and subscribers are sockets of this process (pinned: core 0 / core 1)",
      "open loop: latency from each send's scheduled time; certchat acks and publishes after the durable commit",
      "met requires no lost deliveries and no failed sends besides the p99 (issue 16: in every repetition)",
    ],
  };
}

await runIfMain(import.meta.url, latency);
