/**
 * C100K (issue 16, target 7): 100,000 idle authenticated sockets on one `certchat serve` child (SQLite), each
 * subscribed to one of 100 quiet group chats, except 1,000 of them subscribed to one busy chat. Figures: the
 * server's RSS growth per idle socket (both readings after two full GCs), and send → deliver latency of
 * messages into the busy chat (open loop, every delivery at each of the 1,000 sockets a sample) while the
 * 100,000 are connected. Baseline for the latency: the same messages before the idle crowd connected.
 * The sockets are held by load-generator processes (bench/lib/swarm.ts), one per loopback source address
 * 127.0.0.2–127.0.0.9 (each address has its own ~28,000 ephemeral ports); the bench raises the open-files
 * limit (prlimit) so the server can hold them. Latency is measured across processes on one machine's clock
 * (performance.timeOrigin + now in each).
 * Targets: ≤ 15 KB RSS per socket; p99 ≤ 50 ms.
 * Run: node --import tsx bench/c100k.ts [--quick] [--pinned]
 */
import { setTimeout as delay } from "node:timers/promises";
import type { ChatUser } from "../test/support/chats.ts";
import { startCertchatChild } from "./lib/certchat-child.ts";
import { collectGarbage, cpuSecondsOf, raiseOpenFilesLimit, rssOf } from "./lib/child-process.ts";
import { openLoop } from "./lib/open-loop.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { format, pinnedVerdict, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { benchUsers, certchatSocket, groupChat, textWithSeq } from "./lib/socket-fixtures.ts";
import { type Latency, latencyOf } from "./lib/stats.ts";
import { generatorMeter, Swarm } from "./lib/swarm.ts";

const TARGET_KB = 15;
const TARGET_P99_MS = 50;
/** Quiet chats the idle sockets are spread over (smoke: a few). */
const QUIET_CHATS = 100;
/** Messages into the busy chat per measurement, and their rate (open loop). */
const MESSAGES = 50;
const RATE = 10;
/** The full and quick runs' quiet chats and messages; 2 s for the last deliveries (lost ones are counted). */
const MEASURED = { quietChats: QUIET_CHATS, messages: MESSAGES, settleMs: 2_000 };
/** Descriptors the server and this process need besides the sockets. */
const SPARE_DESCRIPTORS = 2000;

interface Sizes {
  sockets: number;
  busy: number;
  workers: number;
  /** Quiet chats, messages per measurement, and the wait for deliveries on their way after the last send. */
  quietChats: number;
  messages: number;
  settleMs: number;
}

/** The swarm's sockets, `count` of them spread evenly over its workers, all in one of `chatSets`. */
function spread(swarm: Swarm, count: number, pick: (i: number) => { chats: number; record?: boolean }) {
  const perWorker = Math.ceil(count / swarm.size);
  return (w: number) =>
    Array.from({ length: Math.max(0, Math.min(perWorker, count - w * perWorker)) }, (_, k) => {
      const i = w * perWorker + k;
      return { token: i, ...pick(i) };
    });
}

interface Delivery {
  latency: Latency;
  delivered: number;
  expected: number;
  drops: number;
}

/** `sizes.messages` numbered messages into the busy chat at RATE per second; every delivery's latency. */
async function measureDelivery(
  swarm: Swarm,
  send: (seq: number) => Promise<void>,
  first: number,
  sizes: Sizes,
): Promise<Delivery> {
  const sentAt = new Map<number, number>();
  const period = 1000 / RATE;
  const start = performance.now() + 50;
  await openLoop(
    sizes.messages,
    (i) => start + i * period,
    async (i) => {
      const seq = first + i;
      sentAt.set(seq, performance.timeOrigin + start + i * period);
      await send(seq);
    },
  );
  // Deliveries still on their way: a moment for the last ones (lost ones are counted, not waited for).
  await delay(sizes.settleMs);
  const answers = await swarm.all(() => ({ type: "arrivals" }), 60_000);
  const samples: number[] = [];
  let drops = 0;
  for (const answer of answers) {
    if (answer.type !== "arrivals") continue;
    drops += answer.result.drops;
    for (const [seq, at] of answer.result.arrivals) {
      const sent = sentAt.get(seq);
      if (sent !== undefined) samples.push(at - sent);
    }
  }
  return {
    latency: latencyOf(samples),
    delivered: samples.length,
    expected: sizes.messages * sizes.busy,
    drops,
  };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const ms = (l: Latency) => `p50 ${format(l.p50)} p95 ${format(l.p95)} p99 ${format(l.p99)} ms`;

export async function c100k(options: BenchOptions): Promise<ScenarioResult> {
  const sizes: Sizes = bySize(options, {
    full: { sockets: 100_000, busy: 1000, workers: 8, ...MEASURED },
    quick: { sockets: 10_000, busy: 1000, workers: 4, ...MEASURED },
    smoke: { sockets: 40, busy: 10, workers: 1, quietChats: 5, messages: 10, settleMs: 500 },
  });
  const limit = raiseOpenFilesLimit(sizes.sockets + SPARE_DESCRIPTORS);
  const sockets = Math.min(sizes.sockets, limit - SPARE_DESCRIPTORS);
  const idle = sockets - sizes.busy;
  const server = await startCertchatChild("sqlite", { readyMs: 180_000 });
  const swarm = Swarm.start(sizes.workers);
  try {
    const users = await benchUsers(server.api, bySize(options, { full: 10, quick: 10, smoke: 2 }));
    const busyChat = await groupChat(server.api, users, "busy");
    const quiet: string[] = [];
    for (let i = 0; i < sizes.quietChats; i++) quiet.push(await groupChat(server.api, users, `quiet ${i}`));
    const chatSets = [[busyChat], ...quiet.map((chat) => [chat])];
    const plan = (mode: "idle", specs: ReturnType<ReturnType<typeof spread>>, w: number) => ({
      type: "connect" as const,
      plan: {
        mode,
        url: server.url,
        tokens: users.map((user) => user.token),
        chatSets,
        after: {},
        sockets: specs.map((spec) => ({ ...spec, token: spec.token % users.length })),
        localAddresses: [`127.0.0.${2 + (w % 8)}`],
        parallel: 25,
      },
    });
    const busySpecs = spread(swarm, sizes.busy, () => ({ chats: 0, record: true }));
    await swarm.all((w) => plan("idle", busySpecs(w), w), 600_000);
    const sender = users[0] as ChatUser;
    const senderSocket = await certchatSocket(server.url, sender);
    const send = async (seq: number) => {
      await senderSocket.request("sendMessage", { chat: busyChat, cid: sender.cid, text: textWithSeq(seq) });
    };
    const before = await measureDelivery(swarm, send, 0, sizes);

    await collectGarbage(server.pid);
    const rssBefore = rssOf(server.pid);
    const generator = generatorMeter(swarm);
    const connectStarted = performance.now();
    const serverCpuBefore = cpuSecondsOf(server.pid);
    const idleSpecs = spread(swarm, idle, (i) => ({ chats: 1 + (i % sizes.quietChats) }));
    await swarm.all((w) => plan("idle", idleSpecs(w), w), 1_800_000);
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    const connectCpu = cpuSecondsOf(server.pid) - serverCpuBefore;
    const connectGenerator = generator();
    await collectGarbage(server.pid);
    const rssAfter = rssOf(server.pid);
    // Idle: what 100,000 sockets cost the server while nothing is sent (Engine.IO pings every 25 s).
    const idleCpuBefore = cpuSecondsOf(server.pid);
    const idleStart = performance.now();
    await delay(bySize(options, { full: 10_000, quick: 5_000, smoke: 500 }));
    const idleShare = (cpuSecondsOf(server.pid) - idleCpuBefore) / ((performance.now() - idleStart) / 1000);
    const during = await measureDelivery(swarm, send, sizes.messages, sizes);
    senderSocket.close();

    const kb = (rssAfter - rssBefore) / idle / 1024;
    const lossText = (d: Delivery) => `${d.delivered}/${d.expected} delivered, ${d.drops} sockets dropped`;
    return {
      scenario: "c100k",
      rows: [
        row({
          name: `${sockets} idle subscribed sockets: server RSS per socket`,
          unit: "KB/socket",
          value: kb,
          baselineName: "target",
          baseline: TARGET_KB,
          detail:
            `server RSS ${mb(rssBefore)} → ${mb(rssAfter)} over ${idle} sockets; connected in ` +
            `${format(connectSeconds)} s (${format(idle / connectSeconds)}/s, server ` +
            `${format((connectCpu * 1e6) / idle)} µs CPU per connect + subscribe; generator ` +
            `${(connectGenerator.share * 100).toFixed(0)}% of a core); idle server ${(idleShare * 100).toFixed(1)}% of a core`,
          target: `≤ ${TARGET_KB} KB/socket`,
          met: pinnedVerdict(kb <= TARGET_KB),
          issue: "16.7",
        }),
        row({
          name: `1 chat × ${sizes.busy} with ${sockets} sockets connected: send → deliver p99`,
          unit: "ms",
          value: during.latency.p99,
          baselineName: `${sizes.busy} sockets only`,
          baseline: before.latency.p99,
          detail: `${ms(during.latency)}, ${lossText(during)}; before the crowd ${ms(before.latency)}, ${lossText(before)}`,
          target: `≤ ${TARGET_P99_MS} ms, all delivered`,
          met: pinnedVerdict(
            during.latency.p99 <= TARGET_P99_MS && during.delivered === during.expected && during.drops === 0,
          ),
          issue: "16.7",
        }),
      ],
      notes: [
        `${sizes.workers} load-generator processes, source addresses 127.0.0.2–127.0.0.${1 + Math.min(8, sizes.workers)}; open files limit ${limit}${sockets < sizes.sockets ? `: ${sockets} sockets instead of ${sizes.sockets}` : ""}`,
        `${sizes.messages} messages at ${RATE}/s (open loop) from one sender socket; latency from the scheduled send time`,
        "RSS from /proc/<pid>/status after two full GCs in the server child, before and after the idle sockets",
      ],
    };
  } finally {
    await swarm.close();
    await server.dispose();
  }
}

await runIfMain(import.meta.url, c100k);
