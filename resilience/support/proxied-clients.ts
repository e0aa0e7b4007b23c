import { Agent } from "node:http";
import { io } from "socket.io-client";
import connectLegacy from "socket.io-client-v2";
import { HISTORY_PAGE_SIZE } from "../../src/protocol/schemas/messages.ts";
import { type Envelope, type Member, messageText, type SendTally } from "./load-clients.ts";

/** Socket.IO 4 (Engine.IO v4), or socket.io-client 2 as the deployed Android client uses it (Engine.IO v3). */
export type Generation = "v4" | "legacy";

export interface ChatClientOptions {
  url: string;
  generation: Generation;
  member: Member;
  chat: string;
  /** The loopback address the client connects from (127.0.0.x): the load balancer hashes on it. */
  sourceAddress: string;
  tally: SendTally;
  /** At most this many sends await their ack; the rest wait in the outbox. */
  window: number;
  /** A send unanswered this long is retried with its localId (its node may have gone away meanwhile). */
  ackTimeoutMs: number;
}

/** What both client generations offer here. */
interface AnySocket {
  on(event: "connect" | "disconnect", listener: () => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  close(): unknown;
}

/** A stand-in signature: the server checks that it is base64, the receiving client would verify it. */
const SIGN = Buffer.alloc(64, 7).toString("base64");
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A chat client that behaves like the deployed ones behind a load balancer: polling first, then the upgrade;
 * reconnects by itself; after every (re)connect it authenticates (legacy: the `session` event), subscribes
 * to its chat, catches up on what it missed from history and resends every unacknowledged message with its
 * localId. Counts what a user would notice: anything beyond reconnecting is a `problem`.
 */
export class ChatClient {
  /** Ids received as live events (`messages` for v4, `message` for legacy). */
  readonly live: number[] = [];
  /** Ids of its own acknowledged sends (the server does not echo them). */
  readonly own: number[] = [];
  /** Ids fetched by catch-up after reconnects. */
  readonly caughtUp = new Set<number>();
  /** Times it was back in its chat after losing the connection. */
  reconnects = 0;
  /** Connection attempts refused or failed while reconnecting (a node going away, or just gone). */
  connectErrors = 0;
  /** The longest time from losing the connection to being subscribed again. */
  maxReconnectMs = 0;
  /** Anything a user would see as an error: a refused subscribe or send, a failed catch-up. */
  readonly problems: string[] = [];
  private readonly socket: AnySocket;
  /** The Engine.IO transport in use now ("polling" until the upgrade, then "websocket"). */
  readonly transport: () => string;
  private readonly pending = new Map<number, { emittedAt: number; attempt: number }>();
  private readonly outbox: number[] = [];
  private ready = false;
  private disconnectedAt: number | undefined;
  private stopped = false;
  private firstReady: (() => void) | undefined;

  constructor(private readonly options: ChatClientOptions) {
    const agent = new Agent({ localAddress: options.sourceAddress });
    const reconnect = { reconnection: true, reconnectionDelay: 200, reconnectionDelayMax: 1_000 };
    if (options.generation === "v4") {
      const socket = io(options.url, {
        forceNew: true,
        transports: ["polling", "websocket"],
        ...reconnect,
        auth: { token: options.member.token },
        // engine.io-client types `agent` as string | boolean; in Node it hands it to http and ws.
        agent: agent as unknown as string,
      });
      socket.on("messages", (message: { id: number; chat: string }) => this.received(message));
      // A node that is shutting down refuses new sockets in its middleware; the client does not retry that
      // by itself (socket.active is false), so it retries as a reconnect would.
      socket.on("connect_error", () => {
        this.connectErrors += 1;
        if (!socket.active && !this.stopped) setTimeout(() => !this.stopped && socket.connect(), 500);
      });
      this.socket = socket;
      this.transport = () => socket.io.engine?.transport?.name ?? "none";
    } else {
      const socket = connectLegacy(options.url, {
        forceNew: true,
        transports: ["polling", "websocket"],
        ...reconnect,
        agent,
      });
      socket.on("message", (message) => this.received(message as { id: number; chat: string }));
      socket.on("connect_error", () => {
        this.connectErrors += 1;
      });
      // Socket.IO 2 reports a namespace refusal (a node shutting down) as `error`; the node then closes the
      // connection and the client reconnects elsewhere.
      socket.on("error", () => {
        this.connectErrors += 1;
      });
      this.socket = socket;
      this.transport = () => socket.io.engine.transport.name;
    }
    this.socket.on("connect", () => void this.joined());
    this.socket.on("disconnect", () => {
      this.ready = false;
      this.disconnectedAt ??= Date.now();
    });
  }

  get generation(): Generation {
    return this.options.generation;
  }

  get chat(): string {
    return this.options.chat;
  }

  get unacked(): number {
    return this.pending.size + this.outbox.length;
  }

  /** Ids it holds only thanks to catch-up: missed live while it was away. */
  recovered(): number {
    const delivered = new Set([...this.live, ...this.own]);
    return [...this.caughtUp].filter((id) => !delivered.has(id)).length;
  }

  /** Every id this client holds for its chat. */
  held(): Set<number> {
    return new Set([...this.live, ...this.own, ...this.caughtUp]);
  }

  /** Resolves once connected and subscribed the first time (rejects after `ms`). */
  started(ms = 30_000): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.generation} client did not join in time`)), ms);
      this.firstReady = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  send(localId: number): void {
    this.options.tally.sent += 1;
    this.outbox.push(localId);
    this.pump();
  }

  close(): void {
    this.stopped = true;
    this.socket.close();
  }

  private received(message: { id: number; chat: string }): void {
    if (message.chat === this.options.chat) this.live.push(message.id);
  }

  /** After each (re)connect: authenticate, subscribe, catch up, resend. */
  private async joined(): Promise<void> {
    const { generation, member, chat } = this.options;
    if (generation === "legacy") this.socket.emit("session", member.token);
    const subscribed = await this.request("subscribe", chat);
    // No answer: the connection went away again; the next connect repeats all of this.
    if (subscribed === undefined) return;
    if (!subscribed.success) {
      this.problems.push(`subscribe: ${subscribed.error}`);
      return;
    }
    this.ready = true;
    this.firstReady?.();
    this.firstReady = undefined;
    if (this.disconnectedAt !== undefined) {
      this.reconnects += 1;
      this.maxReconnectMs = Math.max(this.maxReconnectMs, Date.now() - this.disconnectedAt);
      this.disconnectedAt = undefined;
      for (const localId of this.pending.keys()) this.attempt(localId);
      await this.catchUp();
    }
    this.pump();
  }

  /**
   * What may have been published while it was away: the page before the highest id it holds (live events
   * from other nodes can arrive slightly out of order) and everything after it.
   */
  private async catchUp(): Promise<void> {
    const { chat } = this.options;
    const highest = Math.max(0, ...this.held());
    const pages: Record<string, unknown>[] = [];
    if (highest > 0) pages.push({ chat, id: highest + 1, rel: "prev" });
    for (let anchor = highest; ; ) {
      pages.push({ chat, id: anchor, rel: "next" });
      const page = await this.history(pages.splice(0));
      if (page === undefined) return;
      if (page.next.length < HISTORY_PAGE_SIZE) return;
      anchor = page.next.at(-1) ?? anchor;
    }
  }

  /** Runs history requests in order; the ids of the last one are `next`. Undefined if the connection went. */
  private async history(requests: Record<string, unknown>[]): Promise<{ next: number[] } | undefined> {
    let next: number[] = [];
    for (const request of requests) {
      const answer = await this.request("messages", request);
      if (answer === undefined) return undefined;
      if (!answer.success) {
        this.problems.push(`messages: ${answer.error}`);
        return undefined;
      }
      next = (answer.data as { id: number }[]).map((message) => message.id);
      for (const id of next) this.caughtUp.add(id);
    }
    return { next };
  }

  /** An emit with an ack; undefined when no answer came in time (the connection was lost meanwhile). */
  private request(event: string, payload: unknown): Promise<Envelope | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), REQUEST_TIMEOUT_MS);
      this.socket.emit(event, payload, (answer: Envelope) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
  }

  private pump(): void {
    while (this.ready && this.pending.size < this.options.window) {
      const localId = this.outbox.shift();
      if (localId === undefined) return;
      this.pending.set(localId, { emittedAt: Date.now(), attempt: 0 });
      this.attempt(localId);
    }
  }

  private attempt(localId: number): void {
    const entry = this.pending.get(localId);
    if (this.stopped || !entry || !this.ready) return;
    entry.attempt += 1;
    const attempt = entry.attempt;
    const { tally, chat, member } = this.options;
    tally.attempts += 1;
    const payload = { chat, cid: member.cid, type: "txt", text: messageText(localId), sign: SIGN, localId };
    void this.request("sendMessage", payload).then((answer) => {
      const current = this.pending.get(localId);
      if (!current || current.attempt !== attempt) return;
      if (answer?.success === true) {
        const id = (answer.data as { id: number }).id;
        tally.recordAck(localId, chat, id, current.emittedAt);
        this.pending.delete(localId);
        this.own.push(id);
        this.pump();
        return;
      }
      if (answer === undefined) {
        tally.timeouts += 1;
      } else {
        tally.recordFailure(answer);
        this.problems.push(`sendMessage: ${answer.error}`);
      }
      // A reconnect resends everything pending; until then there is nothing to retry on.
      setTimeout(() => this.attempt(localId), 200);
    });
  }
}
