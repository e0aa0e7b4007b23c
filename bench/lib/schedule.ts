import { loadGeneratorMeter, type Usage, usageMeter } from "./child-process.ts";
import { openLoop, waitFor } from "./open-loop.ts";
import type { SlowMessage } from "./pause-trace.ts";
import type { Layout, Relay } from "./relays.ts";
import { seqOfPacket } from "./socket-fixtures.ts";
import { type Latency, latencyOf } from "./stats.ts";

/** An offered load: `rate` messages per second over all the layout's chats, in turn, for a while. */
export interface Schedule {
  rate: number;
  seconds: number;
  /** Seconds at the start whose deliveries are not sampled. */
  warmSeconds: number;
  /** The first message's sequence number: schedules run one after another on one layout number on. */
  firstSeq: number;
  /** A sampled message whose slowest delivery took longer than this is listed in `slowMessages`. */
  slowMs?: number;
}

export interface ScheduleOutcome {
  latency: Latency;
  /** Deliveries expected (every acked send × the chat's subscribers) that had not arrived 5 s after the last send. */
  lost: number;
  failedSends: number;
  /** The server child's use of the machine while the schedule ran. */
  server: Usage;
  serverMicrosPerDelivery: number;
  /** This process's (the load generator's) CPU share of one core while the schedule ran. */
  generatorShare: number;
  /** The sequence number after the schedule's last message. */
  nextSeq: number;
  /** Sampled messages over `slowMs` (empty without it), in Unix epoch milliseconds, and how many were sampled. */
  slowMessages: SlowMessage[];
  sampledMessages: number;
  /** The sampled part of the schedule, in Unix epoch milliseconds: first sampled send to last arrival. */
  window: { start: number; end: number };
}

/**
 * Runs one open-loop schedule over a connected layout (senders do not wait for acks; a delivery's latency runs
 * from its send's scheduled time to its arrival, so a stall delays the figures instead of the load), then
 * waits until the subscribers have been quiet for a moment, so a schedule that left a backlog behind does not
 * spill into the next one.
 */
export async function runSchedule(
  relay: Relay,
  layout: Layout,
  schedule: Schedule,
): Promise<ScheduleOutcome> {
  const chats = layout.senders.length;
  const perChat = layout.subscribers.length / chats;
  const { rate, firstSeq } = schedule;
  const total = Math.round(rate * (schedule.warmSeconds + schedule.seconds));
  const warmCount = Math.round(rate * schedule.warmSeconds);
  const t0 = performance.now() + 100;
  const at = (i: number) => t0 + (i * 1000) / rate;
  const samples: number[] = [];
  const lastArrivalOf = new Float64Array(total);
  let received = 0;
  let lastArrival = performance.now();
  for (const socket of layout.subscribers) {
    socket.onEvent = (packet) => {
      lastArrival = performance.now();
      const i = seqOfPacket(packet) - firstSeq;
      if (i < 0 || i >= total) return;
      received++;
      lastArrivalOf[i] = lastArrival;
      if (i >= warmCount) samples.push(lastArrival - at(i));
    };
  }
  let failedSends = 0;
  const meter = usageMeter(relay.pid);
  const generator = loadGeneratorMeter();
  await openLoop(total, at, (i) => {
    const ofChat = layout.senders[i % chats] ?? [];
    const sender = ofChat[Math.floor(i / chats) % ofChat.length];
    return (sender?.send(firstSeq + i) ?? Promise.reject(new Error("no sender"))).catch(() => {
      failedSends++;
    });
  });
  const expected = (total - failedSends) * perChat;
  await waitFor(() => received >= expected, 5000);
  const server = meter();
  const generatorShare = generator();
  const epoch = (monotonic: number) => performance.timeOrigin + monotonic;
  const slowMessages: SlowMessage[] = [];
  for (let i = warmCount; i < total && schedule.slowMs !== undefined; i++) {
    const arrived = lastArrivalOf[i] as number;
    if (arrived - at(i) > schedule.slowMs)
      slowMessages.push({ scheduled: epoch(at(i)), arrived: epoch(arrived) });
  }
  const outcome = {
    latency: latencyOf(samples),
    lost: expected - received,
    failedSends,
    server,
    serverMicrosPerDelivery: (server.cpuSeconds * 1e6) / Math.max(1, received),
    generatorShare,
    nextSeq: firstSeq + total,
    slowMessages,
    sampledMessages: total - warmCount,
    window: { start: epoch(at(warmCount)), end: epoch(lastArrival) },
  };
  await waitFor(() => performance.now() - lastArrival > 300, 10_000);
  return outcome;
}

/** A schedule met a tail target: every delivery arrived, no send failed, p99 within `p99Ms`. */
export function withinTarget(outcome: ScheduleOutcome, p99Ms: number): boolean {
  return outcome.lost === 0 && outcome.failedSends === 0 && outcome.latency.p99 <= p99Ms;
}

/** Connects a layout on a fresh relay, runs `use` and disposes of both, however it ends. */
export async function withRelay<T>(
  start: () => Promise<Relay>,
  connect: (relay: Relay) => Promise<Layout>,
  use: (relay: Relay, layout: Layout) => Promise<T>,
): Promise<T> {
  const relay = await start();
  try {
    const layout = await connect(relay);
    try {
      return await use(relay, layout);
    } finally {
      layout.close();
    }
  } finally {
    await relay.dispose();
  }
}
