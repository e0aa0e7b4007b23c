import { reconnectDelay } from "./backoff.ts";
import { SioClient } from "./sio-client.ts";

/** A history page's size (src/protocol/schemas/messages.ts HISTORY_PAGE_SIZE): a shorter page is the last. */
const PAGE_SIZE = 50;
/** How long a reconnection attempt may take before it counts as failed (socket.io-client's `timeout`). */
const CONNECT_TIMEOUT_MS = 20_000;
/** An ack not back by then fails the resume; the connection is dropped and made again (the SDK retries too). */
const ACK_TIMEOUT_MS = 30_000;

interface ChatState {
  chat: string;
  /** The last id delivered (the SDK's lastIds). */
  last: number;
  /** When each id was delivered (performance.timeOrigin + now, ms). */
  deliveredAt: Map<number, number>;
  /** Live messages held while a catch-up of this chat runs (the SDK holds them too). */
  held: { id: number; at: number }[] | undefined;
}

/** What one socket went through since the measurement's start. */
export interface StormSocketStats {
  /** Connections lost, and when the last was lost (0: none). */
  drops: number;
  droppedAt: number;
  /** Reconnection attempts that failed (refused, timed out). */
  failedAttempts: number;
  /** The failed attempts by reason (failureReason()). */
  failureReasons: Record<string, number>;
  /** When the last connection was made, and when its subscribes and catch-ups had all finished (0: not yet). */
  connectedAt: number;
  resumedAt: number;
  /** Messages received again that were already delivered (a live event and a catch-up page overlapping). */
  redundant: number;
  /** Messages skipped as older than the last delivered id though never delivered: lost by ordering. */
  skipped: number;
}

const now = () => performance.timeOrigin + performance.now();

/** A failed connection attempt's reason without its addresses and ports ("connect ECONNREFUSED", "Unexpected server response: 503"). */
export function failureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\[?[0-9a-f.:]+\]?:\d+/gi, "").trim();
}

/**
 * How a returning socket catches up: `resume`, one event for all its chats (the SDK's way), or `per-chat`,
 * `subscribe` and `messages` for each chat (the SDK's way with an older server).
 */
export type ResumePath = "resume" | "per-chat";

/** A chat's part of a `resume` answer (docs/API.md "resume"). */
type ResumeAnswer =
  | { chat: string; messages: { id: number }[]; more: boolean }
  | { chat: string; error: string };

/**
 * A socket as the SDK's CertchatSocket (src/client/socket.ts) behaves: subscribed to its chats; after every
 * (re)connect it resubscribes and catches up from the last id it holds — one `resume` for all its chats, then
 * `messages` / `rel: "next"` pages for a chat whose answer says there is more; or (`per-chat`, an older server)
 * `subscribe` and pages for each chat — holding live messages of a chat until that chat's catch-up ends;
 * delivers each id once and in order per chat. It reconnects after a loss with socket.io-client's jittered backoff (backoff.ts).
 */
export class StormSocket {
  private client: SioClient | undefined;
  private readonly chats: ChatState[];
  private closed = false;
  private attempt = 0;
  readonly stats: StormSocketStats = {
    drops: 0,
    droppedAt: 0,
    failedAttempts: 0,
    failureReasons: {},
    connectedAt: 0,
    resumedAt: 0,
    redundant: 0,
    skipped: 0,
  };

  constructor(
    private readonly url: string,
    private readonly token: string,
    chats: { chat: string; after: number }[],
    private readonly localAddress: string | undefined,
    private readonly path: ResumePath = "resume",
  ) {
    this.chats = chats.map(({ chat, after }) => ({
      chat,
      last: after,
      deliveredAt: new Map(),
      held: undefined,
    }));
  }

  /** The first connection (with subscribes and catch-up); rejects if it fails. */
  async start(): Promise<void> {
    await this.connectOnce();
    if (this.stats.resumedAt === 0) throw new Error("the first subscribes and catch-up failed");
  }

  /** Forget the counts so far (a measurement starts now); deliveries and the connection's times are kept. */
  resetStats(): void {
    Object.assign(this.stats, {
      drops: 0,
      failedAttempts: 0,
      failureReasons: {},
      droppedAt: 0,
      redundant: 0,
      skipped: 0,
    });
  }

  /** Delivered ids of chat `chat` (by its id) with their delivery times. */
  delivered(chat: string): Map<number, number> | undefined {
    return this.chats.find((state) => state.chat === chat)?.deliveredAt;
  }

  chatIds(): string[] {
    return this.chats.map((state) => state.chat);
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }

  /** Connects, then subscribes and catches up every chat; rejects if the connection could not be made. */
  private async connectOnce(): Promise<void> {
    const client = await SioClient.connect(
      this.url,
      { token: this.token },
      CONNECT_TIMEOUT_MS,
      this.localAddress,
    );
    this.client = client;
    this.attempt = 0;
    this.stats.connectedAt = now();
    this.stats.resumedAt = 0;
    client.onEvent = (packet) => this.receiveLive(packet);
    client.onClose = () => this.lost(client);
    if (this.closed) {
      client.close();
      return;
    }
    try {
      if (this.path === "resume") await this.resumeAll(client);
      else await Promise.all(this.chats.map((state) => this.resume(client, state)));
      if (this.client === client) this.stats.resumedAt = now();
    } catch {
      // A request failed or timed out: drop the connection and start over, as the SDK's next connect would.
      // (When the connection itself ended, lost() has already scheduled the reconnection.)
      if (this.client === client) client.close();
    }
  }

  /** The connection ended: reconnect after the backoff, again and again until it holds. */
  private lost(client: SioClient): void {
    if (this.closed || this.client !== client) return;
    this.client = undefined;
    this.stats.drops++;
    this.stats.droppedAt = now();
    this.stats.resumedAt = 0;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = reconnectDelay(this.attempt++);
    setTimeout(() => {
      if (this.closed) return;
      this.connectOnce().catch((error: unknown) => {
        // Refused or timed out: the next attempt after a longer delay.
        this.stats.failedAttempts++;
        const reason = failureReason(error);
        this.stats.failureReasons[reason] = (this.stats.failureReasons[reason] ?? 0) + 1;
        this.scheduleReconnect();
      });
    }, delay);
  }

  /** Every chat with one `resume`, then pages for the chats whose answer says there is more. */
  private async resumeAll(client: SioClient): Promise<void> {
    for (const state of this.chats) state.held ??= [];
    try {
      const answer = (await request(client, "resume", {
        chats: this.chats.map((state) => ({ chat: state.chat, id: state.last })),
      })) as { chats: ResumeAnswer[] };
      const at = now();
      const more: ChatState[] = [];
      for (const part of answer.chats) {
        const state = this.chats.find((candidate) => candidate.chat === part.chat);
        if (!state || "error" in part) throw new Error(`resume refused ${part.chat}`);
        for (const message of part.messages) this.deliver(state, message.id, at);
        if (part.more) more.push(state);
      }
      await Promise.all(more.map((state) => this.pageOn(client, state)));
    } finally {
      for (const state of this.chats) this.release(state);
    }
  }

  private async resume(client: SioClient, state: ChatState): Promise<void> {
    state.held ??= [];
    try {
      await request(client, "subscribe", state.chat);
      await this.pageOn(client, state);
    } finally {
      this.release(state);
    }
  }

  /** `messages` pages from the last id delivered until a short one. */
  private async pageOn(client: SioClient, state: ChatState): Promise<void> {
    for (;;) {
      const page = (await request(client, "messages", {
        chat: state.chat,
        id: state.last,
        rel: "next",
      })) as { id: number }[];
      const at = now();
      for (const message of page) this.deliver(state, message.id, at);
      if (page.length < PAGE_SIZE) return;
    }
  }

  /** The chat's catch-up ended: its held live messages follow. */
  private release(state: ChatState): void {
    const held = state.held ?? [];
    state.held = undefined;
    for (const message of held) this.deliver(state, message.id, message.at);
  }

  private receiveLive(packet: string): void {
    const [event, message] = JSON.parse(packet.slice(2)) as [string, { id: number; chat: string }];
    if (event !== "messages") return;
    const state = this.chats.find((candidate) => candidate.chat === message.chat);
    if (!state) return;
    const at = now();
    if (state.held) state.held.push({ id: message.id, at });
    else this.deliver(state, message.id, at);
  }

  private deliver(state: ChatState, id: number, at: number): void {
    if (id <= state.last) {
      if (state.deliveredAt.has(id)) this.stats.redundant++;
      else this.stats.skipped++;
      return;
    }
    state.last = id;
    state.deliveredAt.set(id, at);
  }
}

async function request(client: SioClient, event: string, payload: unknown): Promise<unknown> {
  const [envelope] = (await client.emitWithAck(event, payload, ACK_TIMEOUT_MS)) as [
    { success: boolean; error?: string; data?: unknown },
  ];
  if (!envelope?.success) throw new Error(`${event} failed: ${envelope?.error}`);
  return envelope.data;
}
