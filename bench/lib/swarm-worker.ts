/**
 * A load-generator process holding a share of a benchmark's sockets (bench/lib/swarm.ts starts it with an IPC
 * channel): thousands of sockets are more than one event loop sharing a core with the server can drive, and
 * more than one process's descriptors and ephemeral ports allow. It answers the commands of swarm-protocol.ts.
 */

import { SioClient } from "./sio-client.ts";
import { seqOfPacket } from "./socket-fixtures.ts";
import { StormSocket } from "./storm-socket.ts";
import {
  type Arrivals,
  addCounts,
  type StormReport,
  type SwarmAnswer,
  type SwarmCommand,
  type SwarmPlan,
  type SwarmReply,
  type SwarmRequest,
} from "./swarm-protocol.ts";

const now = () => performance.timeOrigin + performance.now();

let stormSockets: StormSocket[] = [];
const idleSockets: SioClient[] = [];
let arrivals: [number, number][] = [];
let idleDrops = 0;
let closing = false;

/** Runs `open(i)` for every socket of the plan, `parallel` at a time. */
async function eachInParallel(count: number, parallel: number, open: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) await open(next++);
    }),
  );
}

function addressOf(plan: SwarmPlan, socket: number): string | undefined {
  return plan.localAddresses[socket % plan.localAddresses.length];
}

async function connect(plan: SwarmPlan): Promise<SwarmAnswer> {
  const started = performance.now();
  const chatsOf = (index: number) => plan.chatSets[index] ?? [];
  const tokenOf = (index: number) => plan.tokens[index] ?? "";
  if (plan.mode === "storm") {
    stormSockets = plan.sockets.map(
      (spec, i) =>
        new StormSocket(
          plan.url,
          tokenOf(spec.token),
          chatsOf(spec.chats).map((chat) => ({ chat, after: plan.after[chat] ?? 0 })),
          addressOf(plan, i),
          plan.resumePath,
        ),
    );
    await eachInParallel(stormSockets.length, plan.parallel, (i) => (stormSockets[i] as StormSocket).start());
  } else {
    // Added to those already held: a run connects its recording sockets first, the idle crowd after.
    await eachInParallel(plan.sockets.length, plan.parallel, async (i) => {
      const spec = plan.sockets[i] as SwarmPlan["sockets"][number];
      const socket = await SioClient.connect(
        plan.url,
        { token: tokenOf(spec.token) },
        30_000,
        addressOf(plan, i),
      );
      idleSockets.push(socket);
      socket.onClose = () => {
        if (!closing) idleDrops++;
      };
      for (const chat of chatsOf(spec.chats)) {
        const [envelope] = (await socket.emitWithAck("subscribe", chat, 60_000)) as [{ success: boolean }];
        if (!envelope?.success) throw new Error(`subscribe refused: ${JSON.stringify(envelope)}`);
      }
      if (spec.record) {
        socket.onEvent = (packet) => {
          arrivals.push([seqOfPacket(packet), now()]);
        };
      }
    });
  }
  return { type: "connected", sockets: plan.sockets.length, seconds: (performance.now() - started) / 1000 };
}

/** Every socket against the acked ids of its chats: complete once it holds them all and has resumed. */
function check(acked: Record<string, number[]>): StormReport {
  const report: StormReport = {
    sockets: stormSockets.length,
    completedAt: [],
    connectedAt: [],
    resumedAt: [],
    droppedAt: [],
    outageMs: [],
    missing: 0,
    unexpected: 0,
    redundant: 0,
    skipped: 0,
    neverDropped: 0,
    drops: 0,
    failedAttempts: 0,
    maxFailedAttempts: 0,
    failureReasons: {},
  };
  for (const socket of stormSockets) {
    const { stats } = socket;
    report.connectedAt.push(stats.connectedAt);
    report.resumedAt.push(stats.resumedAt);
    report.redundant += stats.redundant;
    report.skipped += stats.skipped;
    report.drops += stats.drops;
    if (stats.drops === 0) report.neverDropped++;
    report.failedAttempts += stats.failedAttempts;
    report.maxFailedAttempts = Math.max(report.maxFailedAttempts, stats.failedAttempts);
    addCounts(report.failureReasons, stats.failureReasons);
    let missing = 0;
    let lastArrival = stats.resumedAt;
    for (const chat of socket.chatIds()) {
      const delivered = socket.delivered(chat) ?? new Map<number, number>();
      const ids = acked[chat] ?? [];
      for (const id of ids) {
        const at = delivered.get(id);
        if (at === undefined) missing++;
        else lastArrival = Math.max(lastArrival, at);
      }
      const expected = new Set(ids);
      for (const id of delivered.keys()) if (!expected.has(id)) report.unexpected++;
    }
    report.missing += missing;
    if (stats.droppedAt > 0) report.droppedAt.push(stats.droppedAt);
    if (missing === 0 && stats.resumedAt > 0) {
      report.completedAt.push(lastArrival);
      if (stats.droppedAt > 0) report.outageMs.push(lastArrival - stats.droppedAt);
    }
  }
  return report;
}

function takeArrivals(): Arrivals {
  const result = { arrivals, drops: idleDrops };
  arrivals = [];
  return result;
}

async function handle(command: SwarmCommand): Promise<SwarmAnswer> {
  switch (command.type) {
    case "connect":
      return connect(command.plan);
    case "mark":
      for (const socket of stormSockets) socket.resetStats();
      return { type: "marked" };
    case "check":
      return { type: "checked", report: check(command.acked) };
    case "arrivals":
      return { type: "arrivals", result: takeArrivals() };
    case "close":
      closing = true;
      for (const socket of stormSockets) socket.close();
      for (const socket of idleSockets) socket?.close();
      return { type: "closed" };
  }
}

process.on("message", (message: SwarmRequest) => {
  handle(message.command).then(
    (answer) => process.send?.({ id: message.id, answer } satisfies SwarmReply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        error: String((error as Error)?.stack ?? error),
      } satisfies SwarmReply),
  );
});
// The bench process went away: nothing is left to hold the sockets for.
process.on("disconnect", () => process.exit(0));
