/**
 * The highest sustained rate into one chat of 100 subscribed sockets (issue 16, target 2): a bounded step
 * search over open-loop schedules (bench/lib/schedule.ts) on one connected layout, a rate passing when every
 * delivery arrived, no send failed and the p99 was ≤ 10 ms. Rates climb by STEP_FACTOR from START_RATE until
 * one fails (or MAX_RATE), then the gap between the last pass and the first failure is halved BISECTIONS
 * times. certchat (`certchat serve` child, SQLite) against a bare Socket.IO relay relaying only the ciphertext,
 * searched the same way in the same run. Target: ≥ 1,200 msg/s (judged pinned).
 * Run: node --import tsx bench/sustained.ts [--quick] [--pinned] [--repeat N]
 */

import { alternating, median } from "./lib/alternate.ts";
import { type BenchOptions, bySize, repetitions } from "./lib/options.ts";
import { bareRelay, certchatRelay, connectLayout, type Relay } from "./lib/relays.ts";
import { format, pinnedVerdict, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { runSchedule, withinTarget } from "./lib/schedule.ts";

const TARGET_PER_SECOND = 1200;
const P99_MS = 10;
const START_RATE = 300;
const STEP_FACTOR = 1.4;
const MAX_RATE = 5000;
const BISECTIONS = 2;
/** Rates are searched in steps of this many msg/s. */
const GRAIN = 25;

interface Step {
  rate: number;
  passed: boolean;
  p99: number;
  lost: number;
  microsPerDelivery: number;
  generatorShare: number;
}

interface Search {
  /** The highest rate that passed (0 if none did). */
  highest: number;
  steps: Step[];
}

async function search(
  relay: Relay,
  options: BenchOptions,
  perChat: number,
  senders: number,
): Promise<Search> {
  const seconds = bySize(options, { full: 5, quick: 2, smoke: 0.3 });
  const warmSeconds = bySize(options, { full: 1, quick: 0.5, smoke: 0.1 });
  const maxRate = bySize(options, { full: MAX_RATE, quick: MAX_RATE, smoke: 40 });
  const layout = await connectLayout(relay, 1, perChat, senders);
  const steps: Step[] = [];
  let firstSeq = 0;
  const tryRate = async (rate: number) => {
    const outcome = await runSchedule(relay, layout, { rate, seconds, warmSeconds, firstSeq });
    firstSeq = outcome.nextSeq;
    const passed = withinTarget(outcome, P99_MS);
    steps.push({
      rate,
      passed,
      p99: outcome.latency.p99,
      lost: outcome.lost + outcome.failedSends * perChat,
      microsPerDelivery: outcome.serverMicrosPerDelivery,
      generatorShare: outcome.generatorShare,
    });
    return passed;
  };
  try {
    let passedRate = 0;
    let failedRate = 0;
    for (let rate = bySize(options, { full: START_RATE, quick: START_RATE, smoke: 10 }); ; ) {
      if (!(await tryRate(rate))) {
        failedRate = rate;
        break;
      }
      passedRate = rate;
      if (rate >= maxRate) break;
      // At least a grain up: smoke's 10 msg/s rounded 10 → 25 → 25 … and, on a quiet machine, never ended.
      rate = Math.min(maxRate, Math.max(rate + GRAIN, Math.round((rate * STEP_FACTOR) / GRAIN) * GRAIN));
    }
    for (let i = 0; i < BISECTIONS && failedRate - passedRate > GRAIN; i++) {
      const rate = Math.round((passedRate + failedRate) / 2 / GRAIN) * GRAIN;
      if (await tryRate(rate)) passedRate = rate;
      else failedRate = rate;
    }
    return { highest: passedRate, steps };
  } finally {
    layout.close();
  }
}

function describeSteps(steps: Step[]): string {
  return steps
    .map(
      (s) =>
        `${s.rate}:${s.passed ? "ok" : "fail"} p99 ${format(s.p99)}${s.lost ? ` lost ${s.lost}` : ""}` +
        ` ${format(s.microsPerDelivery)} µs/deliv gen ${(s.generatorShare * 100).toFixed(0)}%`,
    )
    .join(", ");
}

export async function sustained(options: BenchOptions): Promise<ScenarioResult> {
  const perChat = bySize(options, { full: 100, quick: 100, smoke: 3 });
  const senders = bySize(options, { full: 10, quick: 10, smoke: 2 });
  const run = (start: () => Promise<Relay>) => async () => {
    const relay = await start();
    try {
      return await search(relay, options, perChat, senders);
    } finally {
      await relay.dispose();
    }
  };
  const outcomes = await alternating(repetitions(options), {
    bare: run(() => bareRelay("payload-only")),
    certchat: run(() => certchatRelay(1, options)),
  });
  const ours = median(outcomes.certchat.map((s) => s.highest));
  const bare = median(outcomes.bare.map((s) => s.highest));
  const last = <T>(of: T[]) => of[of.length - 1] as T;
  const highest = (of: Search[]) => of.map((s) => s.highest).join(" / ");
  const reps =
    outcomes.certchat.length > 1
      ? `highest of each rep ${highest(outcomes.certchat)} (bare ${highest(outcomes.bare)}); last rep's `
      : "";
  return {
    scenario: "sustained",
    rows: [
      row({
        name: `highest sustained rate, 1 chat × ${perChat} subscribers`,
        unit: "msg/s",
        value: ours,
        baselineName: "bare payload only",
        baseline: bare,
        repetitions: outcomes.certchat.map((s) => s.highest),
        detail: `${reps}certchat steps ${describeSteps(last(outcomes.certchat).steps)}; bare steps ${describeSteps(last(outcomes.bare).steps)}`,
        target: `≥ ${TARGET_PER_SECOND} msg/s, p99 ≤ ${P99_MS} ms, all delivered`,
        met: pinnedVerdict(ours >= TARGET_PER_SECOND),
        issue: "16.2",
      }),
    ],
    notes: [
      `step search: from ${START_RATE} msg/s ×${STEP_FACTOR} until a rate fails (at most ${MAX_RATE}), then ${BISECTIONS} bisections`,
      `a rate passes when every delivery arrived, no send failed and p99 ≤ ${P99_MS} ms; ${senders} senders, open loop`,
      "a generator (gen) near 100% of its core means the load generator, not the server, failed the step",
    ],
  };
}

await runIfMain(import.meta.url, sustained);
