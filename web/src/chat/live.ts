/**
 * The page's live connection (Socket.IO 4, docs/DECISIONS.md §3) with its state for the offline banner. After
 * every (re)connect it subscribes to each watched chat again and catches up from the last id it delivered, so
 * nothing published while it was away is lost: one `resume` for the chats (docs/API.md "resume"), then REST
 * `messages` / rel "next" pages for a chat whose answer says `more`; from an older server without `resume`,
 * `subscribe` and pages per chat (src/client/catch-up.ts, shared with the SDK's CertchatSocket). Live events
 * that arrive during a chat's catch-up wait until the catch-up is done, so each message is delivered once and
 * in id order. A failed catch-up is tried again as the SDK's CertchatSocket does (src/client/retry.ts:
 * jittered, bounded, cancelled by a disconnect) and never skipped: one that gave up keeps the chat's place until
 * the next reconnect.
 * Built here rather than on the SDK's CertchatSocket because that one exposes no connection state.
 */
import { io, type Socket } from "socket.io-client";
import { type CertchatApi, CertchatApiError } from "../../../src/client/api.ts";
import { CatchUpFetcher } from "../../../src/client/catch-up.ts";
import { type RetryPolicy, retryUntilDone } from "../../../src/client/retry.ts";
import {
  type CatchUpFailure,
  DEFAULT_CATCH_UP_RETRY,
  isFinalCatchUpRefusal,
} from "../../../src/client/socket.ts";
import {
  DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND,
  PAGE_ANSWER_BYTES,
  transferTimeoutMs,
} from "../../../src/client/transfer-allowance.ts";
import type { ErrorCode } from "../../../src/protocol/errors.ts";
import {
  type ChatAddedEvent,
  type ChatChangedEvent,
  type ChatRemovedEvent,
  type ChatWaitListEvent,
  type ClientToServerEvents,
  liveMessageEvent,
  type ServerToClientEvents,
} from "../../../src/protocol/events.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";

export type ConnectionState = "connecting" | "online" | "offline";

/** Refusals of the socket's handshake that no reconnect will cure: the person has to log in again. */
const SESSION_ENDED = new Set([
  "SessionExpired",
  "NeedAuthentication",
  "CertificateExpired",
  "InvalidCertificate",
]);

export interface LiveHandlers {
  message(message: Message): void;
  /**
   * A chat's catch-up attempt failed while the connection stayed up (a drop is the offline banner's, and is
   * resumed); `retrying: false` when it gave up: the chat then delivers nothing until the next reconnect.
   */
  catchUpFailed(failure: CatchUpFailure): void;
  state(state: ConnectionState): void;
  /** The server refused the session (its API error code); the connection has stopped. */
  sessionEnded(code: ErrorCode): void;
  /** Membership events (docs/API.md "Membership events"), sent to the profile's room, subscribed or not. */
  chatAdded(event: ChatAddedEvent): void;
  chatRemoved(event: ChatRemovedEvent): void;
  chatChanged(event: ChatChangedEvent): void;
  chatWaitList(event: ChatWaitListEvent): void;
}

export interface LiveOptions {
  /** How long the subscribe's ack is awaited (default 10 s); a `resume` also gets its transfer allowance. */
  ackTimeoutMs?: number;
  /** The slowest link a `resume` answer (up to 8 MiB of pages) is waited for (default 128 KiB/s). */
  minTransferBytesPerSecond?: number;
  /** How a failed catch-up is tried again on the same connection (the SDK's DEFAULT_CATCH_UP_RETRY). */
  catchUpRetry?: Partial<RetryPolicy>;
}

/**
 * A chat being caught up on a connection: the live messages held until its gap is fetched (delivered before
 * it, one would move the last id past the gap), or undefined once the run gave up (live messages are then left
 * for the next reconnect's catch-up, which fetches them with the gap).
 */
interface CatchUp {
  link: AbortController;
  held: Message[] | undefined;
}

export class LiveConnection {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly ackTimeoutMs: number;
  private readonly resumeTimeoutMs: number;
  private readonly retry: RetryPolicy;
  /** Watched chats → the last message id delivered. */
  private readonly lastIds = new Map<string, number>();
  /** Chats being caught up, or whose catch-up gave up: their live messages are not delivered directly. */
  private readonly catchUps = new Map<string, CatchUp>();
  /** The current connection: aborted at its disconnect, which cancels its catch-ups (the next connect's run). */
  private link: AbortController | undefined;
  /** Each catch-up attempt: the connection's `resume` batches, then pages (src/client/catch-up.ts). */
  private readonly gaps: CatchUpFetcher;

  constructor(
    private readonly api: CertchatApi,
    private readonly handlers: LiveHandlers,
    options: LiveOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    const rate = options.minTransferBytesPerSecond ?? DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND;
    this.resumeTimeoutMs = transferTimeoutMs(this.ackTimeoutMs, PAGE_ANSWER_BYTES, rate);
    this.retry = { ...DEFAULT_CATCH_UP_RETRY, ...options.catchUpRetry };
    this.socket = io(api.server, { auth: { token: api.token ?? "" } });
    this.gaps = new CatchUpFetcher({
      resume: async (chats) => {
        const ack = await this.socket.timeout(this.resumeTimeoutMs).emitWithAck("resume", { chats });
        if (!ack.success) throw new CertchatApiError(ack.error);
        return ack.data;
      },
      subscribe: async (chat) => {
        const ack = await this.socket.timeout(this.ackTimeoutMs).emitWithAck("subscribe", chat);
        if (!ack.success) throw new CertchatApiError(ack.error);
      },
      nextPage: (chat, after) => this.api.messages({ chat, id: after, rel: "next" }),
      lastId: (chat) => this.lastIds.get(chat),
      deliver: (message) => this.deliver(message),
    });
    this.socket.on("connect", () => {
      this.link = new AbortController();
      handlers.state("online");
      for (const chat of this.lastIds.keys()) this.startCatchUp(chat);
    });
    this.socket.on("disconnect", () => {
      this.link?.abort();
      handlers.state("offline");
    });
    this.socket.on("connect_error", (error: Error & { data?: { error?: string } }) => {
      const code = error.data?.error;
      if (code && SESSION_ENDED.has(code)) {
        this.socket.disconnect();
        handlers.sessionEnded(code as ErrorCode);
      } else handlers.state("offline");
    });
    this.socket.on(liveMessageEvent.current, (message) => this.receive(message));
    this.socket.on("chatAdded", (event) => handlers.chatAdded(event));
    this.socket.on("chatRemoved", (event) => {
      // The server has already taken this socket out of the chat's rooms.
      this.unwatch(event.chatId);
      handlers.chatRemoved(event);
    });
    this.socket.on("chatChanged", (event) => handlers.chatChanged(event));
    this.socket.on("chatWaitList", (event) => handlers.chatWaitList(event));
    handlers.state("connecting");
  }

  /** Delivers the messages of `chat` after `lastId` from now on (caught up first when it is behind). */
  watch(chat: string, lastId: number): void {
    const known = this.lastIds.get(chat);
    if (known !== undefined) {
      // Not while its gap is being fetched or waits for the next reconnect: that would skip the gap.
      if (!this.catchUps.has(chat)) this.lastIds.set(chat, Math.max(known, lastId));
      return;
    }
    this.lastIds.set(chat, lastId);
    this.startCatchUp(chat);
  }

  /** Stops delivering `chat` (the user is no longer a member). */
  unwatch(chat: string): void {
    this.lastIds.delete(chat);
    this.catchUps.delete(chat);
  }

  close(): void {
    this.link?.abort();
    this.socket.disconnect();
  }

  private receive(message: Message): void {
    const catchUp = this.catchUps.get(message.chat);
    if (!catchUp) this.deliver(message);
    else catchUp.held?.push(message);
  }

  /** Starts catching `chat` up on the current connection, unless a run is under way or gave up on it. */
  private startCatchUp(chat: string): void {
    const link = this.link;
    if (!link || link.signal.aborted || !this.lastIds.has(chat)) return;
    if (this.catchUps.get(chat)?.link === link) return;
    const state: CatchUp = { link, held: [] };
    this.catchUps.set(chat, state);
    void this.runCatchUp(chat, state);
  }

  /**
   * Fetches the gap, attempt after attempt with growing delays, until it is fetched, the connection ends (the
   * next one starts again from the last id delivered), the chat is unwatched, or the attempts run out.
   */
  private async runCatchUp(chat: string, state: CatchUp): Promise<void> {
    const { signal } = state.link;
    const current = () => !signal.aborted && this.catchUps.get(chat) === state;
    const end = await retryUntilDone(
      {
        policy: this.retry,
        signal,
        wanted: () => this.catchUps.get(chat) === state,
        final: isFinalCatchUpRefusal,
        failed: (attempt, error, retrying) => this.handlers.catchUpFailed({ chat, attempt, error, retrying }),
      },
      () => this.gaps.fetchGap(chat, state.link),
    );
    if (end.kind === "done") {
      if (!current()) return;
      this.catchUps.delete(chat);
      for (const message of (state.held ?? []).sort((a, b) => a.id - b.id)) this.deliver(message);
    } else if (end.kind === "failed") {
      // Gave up: the chat stays in catchUps, holding nothing, so nothing after the gap is delivered.
      state.held = undefined;
    } else {
      // Cancelled: the held messages are dropped, the next connect's run fetches them with the gap.
      this.dropCancelled(chat, state);
    }
  }

  private dropCancelled(chat: string, state: CatchUp): void {
    if (this.catchUps.get(chat) === state) this.catchUps.delete(chat);
  }

  private deliver(message: Message): void {
    // A chat no longer watched (the member was removed) delivers nothing more, even from a catch-up page.
    const last = this.lastIds.get(message.chat);
    if (last === undefined || message.id <= last) return;
    this.lastIds.set(message.chat, message.id);
    this.handlers.message(message);
  }
}
