import { setTimeout as delay } from "node:timers/promises";
import { io, type Socket } from "socket.io-client";
import { ErrorCodes } from "../../src/protocol/errors.ts";

/** Who sends: a session's token and the certificate its messages name. */
export interface Member {
  token: string;
  cid: number;
}

/**
 * A Socket.IO 4 client over websocket only, authenticated in the handshake. `reconnection`: socket.io's own
 * reconnect to the same URL (the outage test's clients have it; the crash test moves sockets itself).
 */
export function openSocket(url: string, token: string, reconnection = false): Promise<Socket> {
  const socket = io(url, {
    forceNew: true,
    transports: ["websocket"],
    reconnection,
    reconnectionDelayMax: 2_000,
    auth: { token },
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`socket to ${url} did not connect`));
    }, 30_000);
    socket.once("connect", () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once("connect_error", (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

/** An emit whose ack must come within `ms`. */
export async function ask(socket: Socket, event: string, payload: unknown, ms = 30_000): Promise<Envelope> {
  return (await socket.timeout(ms).emitWithAck(event, payload)) as Envelope;
}

export interface Envelope {
  success: boolean;
  error?: string;
  data?: unknown;
}

/** True for the API's failure envelope exactly: `{success: false, error}` with a catalogue code, nothing more. */
export function isCleanFailure(envelope: unknown): boolean {
  if (typeof envelope !== "object" || envelope === null) return false;
  const keys = Object.keys(envelope).sort().join(",");
  const { success, error } = envelope as Envelope;
  return (
    keys === "error,success" && success === false && (ErrorCodes as readonly string[]).includes(error ?? "")
  );
}

/** Every id a socket got for its chat: live `messages` events in arrival order, and its own sends' acks. */
export class Receiver {
  readonly ids: number[] = [];
  /** The server does not echo a socket's own message to it: the ack is its copy. */
  readonly own: number[] = [];

  constructor(
    readonly chat: string,
    public socket: Socket,
  ) {
    this.listen(socket);
  }

  /** Moves to a new socket (after its node died); ids keep accumulating. */
  replaceSocket(socket: Socket): void {
    this.socket = socket;
    this.listen(socket);
  }

  private listen(socket: Socket): void {
    socket.on("messages", (message: { id: number; chat: string }) => {
      if (message.chat === this.chat) this.ids.push(message.id);
    });
  }
}

/** The shared account of every send: what was offered, acknowledged, refused and retried. */
export class SendTally {
  /** Logical sends (each localId once, however often retried). */
  sent = 0;
  attempts = 0;
  /** localId → the stored id its first successful ack named. */
  readonly acked = new Map<number, number>();
  /** Chat → ids acknowledged in it. */
  readonly ackedByChat = new Map<string, number[]>();
  /** localId → the chat and when the send was first emitted (ms since epoch), per acked send. */
  private readonly origin = new Map<number, { chat: string; emittedAt: number }>();
  /** Milliseconds from first emit to ack, per acked send. */
  readonly latencies: number[] = [];
  /** Failure codes the server answered (e.g. CommonError while the database is down). */
  readonly errors = new Map<string, number>();
  /** Answers that were not a success and not the clean failure envelope. */
  unclean: unknown[] = [];
  /** Acks of one localId that named different stored ids: a duplicate stored. */
  conflicts = 0;
  timeouts = 0;

  /** Refusals so far, of every code. */
  get refusals(): number {
    return [...this.errors.values()].reduce((sum, count) => sum + count, 0);
  }

  get ackedCount(): number {
    return this.acked.size;
  }

  /** The p-th percentile of ack latency in ms (p in 0..100). */
  latency(p: number): number {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
  }

  recordAck(localId: number, chat: string, id: number, emittedAt: number): void {
    const earlier = this.acked.get(localId);
    if (earlier !== undefined) {
      if (earlier !== id) this.conflicts += 1;
      return;
    }
    this.acked.set(localId, id);
    this.origin.set(localId, { chat, emittedAt });
    this.latencies.push(Date.now() - emittedAt);
    const list = this.ackedByChat.get(chat) ?? [];
    list.push(id);
    this.ackedByChat.set(chat, list);
  }

  /** Per chat, the acked ids of sends first emitted after `time`. */
  ackedEmittedAfter(time: number): Map<string, number[]> {
    const byChat = new Map<string, number[]>();
    for (const [localId, { chat, emittedAt }] of this.origin) {
      const id = this.acked.get(localId);
      if (emittedAt <= time || id === undefined) continue;
      const ids = byChat.get(chat) ?? [];
      ids.push(id);
      byChat.set(chat, ids);
    }
    return byChat;
  }

  recordFailure(answer: unknown): void {
    if (!isCleanFailure(answer)) {
      if (this.unclean.length < 20) this.unclean.push(answer);
      return;
    }
    const code = (answer as Envelope).error ?? "";
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  errorSummary(): string {
    return [...this.errors].map(([code, count]) => `${code}:${count}`).join(",") || "none";
  }
}

export interface SenderOptions {
  /** At most this many sends await their ack; later ones wait in the sender's outbox, as in a client. */
  window: number;
  /** An ack later than this counts as lost in transit: the send is retried with its localId. */
  ackTimeoutMs: number;
  /** Pause before retrying a refused or timed-out send. */
  retryDelayMs: number;
}

/** The text of a send: unique per logical message, so duplicates stored show as equal texts. */
export function messageText(localId: number): string {
  return Buffer.from(`load ${localId}`).toString("base64");
}

/** A stand-in signature: the server checks that it is base64, the receiving client would verify it. */
const SIGN = Buffer.alloc(64, 7).toString("base64");

/**
 * A client sending into one chat. Every send carries its localId and is retried with it until acked (a
 * refusal or a missing ack), on whatever socket the sender holds at that moment, until `stop()`.
 */
export class Sender {
  /** localId → when it was first emitted. */
  private readonly pending = new Map<number, number>();
  private readonly outbox: number[] = [];
  private stopped = false;

  constructor(
    public socket: Socket,
    readonly chat: string,
    private readonly member: Member,
    private readonly tally: SendTally,
    private readonly options: SenderOptions,
    /** The socket's own copy of its acked messages (the server does not echo them as events). */
    private readonly receiver?: Receiver,
  ) {}

  get unacked(): number {
    return this.pending.size + this.outbox.length;
  }

  send(localId: number): void {
    this.tally.sent += 1;
    this.outbox.push(localId);
    this.pump();
  }

  /** Continues on another socket (its node died): every unacknowledged send is retried there now. */
  moveTo(socket: Socket): void {
    this.socket = socket;
    for (const localId of this.pending.keys()) this.attempt(localId);
  }

  private pump(): void {
    while (this.pending.size < this.options.window) {
      const localId = this.outbox.shift();
      if (localId === undefined) return;
      this.pending.set(localId, Date.now());
      this.attempt(localId);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private attempt(localId: number): void {
    if (this.stopped || !this.pending.has(localId)) return;
    this.tally.attempts += 1;
    const payload = {
      chat: this.chat,
      cid: this.member.cid,
      type: "txt",
      text: messageText(localId),
      sign: SIGN,
      localId,
    };
    const socket = this.socket;
    socket
      .timeout(this.options.ackTimeoutMs)
      .emit("sendMessage", payload, (error: Error | null, answer: unknown) => {
        if (!this.pending.has(localId)) return;
        if (error) {
          this.tally.timeouts += 1;
        } else if ((answer as Envelope | undefined)?.success === true) {
          const id = ((answer as Envelope).data as { id: number }).id;
          this.tally.recordAck(localId, this.chat, id, this.pending.get(localId) ?? 0);
          this.pending.delete(localId);
          this.receiver?.own.push(id);
          this.pump();
          return;
        } else {
          this.tally.recordFailure(answer);
        }
        // A moved sender has already retried on its new socket.
        if (socket === this.socket) setTimeout(() => this.attempt(localId), this.options.retryDelayMs);
      });
  }
}

/**
 * Offers `total` sends at a steady `perSecond`, round-robin over the senders, each with a fresh localId
 * (unique across the run, so senders may share a session). Resolves once all were offered.
 */
export async function offerSteadily(senders: Sender[], total: number, perSecond: number): Promise<void> {
  const started = Date.now();
  let offered = 0;
  while (offered < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * perSecond));
    for (; offered < due; offered++) senders[offered % senders.length]?.send(offered + 1);
    await delay(10);
  }
}

/**
 * Waits until `done()` holds while `progress()` (a growing count) keeps growing: false once it stalled for
 * `stallMs`, or after `capMs` in all. A slow, busy machine gets time; a stuck server fails fast.
 */
export async function waitWhileProgressing(
  done: () => boolean,
  progress: () => number,
  stallMs: number,
  capMs: number,
): Promise<boolean> {
  const deadline = Date.now() + capMs;
  let last = progress();
  let lastChange = Date.now();
  while (!done()) {
    const now = Date.now();
    if (now > deadline || now - lastChange > stallMs) return false;
    const current = progress();
    if (current !== last) {
      last = current;
      lastChange = now;
    }
    await delay(100);
  }
  return true;
}

/** Waits until `predicate` holds, polling every 50 ms; false if `ms` passed first. */
export async function waitFor(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) return false;
    await delay(50);
  }
  return true;
}

export interface DeliveryCheck {
  /** Expected messages received (each counted once per receiver). */
  delivered: number;
  /** Receipts of an id the receiver already had. */
  duplicates: number;
  /** First receipts of an id lower than one received before it. */
  outOfOrder: number;
  /** Expected ids a receiver never got. */
  lost: number;
  /** Ids received that no send was acknowledged with. */
  phantom: number;
}

/**
 * Compares what each receiver got with `expected(receiver)` (the acked ids it should have), de-duplicating by
 * id: every expected id exactly once, live events in increasing order (a socket's own acks come whenever the
 * commit does, so they count for delivery, not for order).
 */
export function checkDeliveries(
  receivers: Receiver[],
  expected: (receiver: Receiver) => number[],
  ackedIds: Set<number>,
): DeliveryCheck {
  const check: DeliveryCheck = { delivered: 0, duplicates: 0, outOfOrder: 0, lost: 0, phantom: 0 };
  for (const receiver of receivers) {
    const seen = new Set<number>();
    let highest = 0;
    for (const id of receiver.ids) {
      if (seen.has(id)) {
        check.duplicates += 1;
        continue;
      }
      seen.add(id);
      if (id < highest) check.outOfOrder += 1;
      highest = Math.max(highest, id);
      if (!ackedIds.has(id)) check.phantom += 1;
    }
    for (const id of receiver.own) {
      if (seen.has(id)) check.duplicates += 1;
      else seen.add(id);
    }
    for (const id of expected(receiver)) {
      if (seen.has(id)) check.delivered += 1;
      else check.lost += 1;
    }
  }
  return check;
}

/**
 * Opens `count` sockets into `sockets`, `batch` handshakes at a time (each resolves a token against the
 * database). Sockets opened before a failure stay in `sockets`, so the caller's cleanup closes them.
 */
export async function openMany(
  sockets: Socket[],
  count: number,
  open: (index: number) => Promise<Socket>,
  batch = 50,
): Promise<void> {
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    const opened = await Promise.allSettled(Array.from({ length: size }, (_, k) => open(start + k)));
    for (const outcome of opened) if (outcome.status === "fulfilled") sockets.push(outcome.value);
    const failed = opened.find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  }
}

/** Like waitFor, with an asynchronous predicate (one check at a time). */
export async function waitForAsync(predicate: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await delay(200);
  }
  return true;
}

/** Waits, while acks keep coming, until `total` sends are acked (bounded: 30 s without one, 5 min in all). */
export function allAcked(tally: SendTally, total: number): Promise<boolean> {
  return waitWhileProgressing(
    () => tally.ackedCount === total,
    () => tally.ackedCount,
    30_000,
    300_000,
  );
}

/**
 * Waits, while deliveries keep arriving, until every receiver holds as many ids as `expected` gives it
 * (bounded: 15 s without one, 2 min in all). The check that follows says what is missing.
 */
export function deliveriesSettled(
  receivers: Receiver[],
  expected: (receiver: Receiver) => number[],
): Promise<boolean> {
  const held = (receiver: Receiver) => receiver.ids.length + receiver.own.length;
  return waitWhileProgressing(
    () => receivers.every((receiver) => held(receiver) >= expected(receiver).length),
    () => receivers.reduce((sum, receiver) => sum + held(receiver), 0),
    15_000,
    120_000,
  );
}
