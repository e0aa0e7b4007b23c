/**
 * The page's live connection (Socket.IO 4, docs/DECISIONS.md §3) with its state for the offline banner. After
 * every (re)connect it subscribes to each watched chat again and catches up from the last id it delivered, so
 * nothing published while it was away is lost: one `resume` for the chats (docs/API.md "resume"), then REST
 * `messages` / rel "next" pages for a chat whose answer says `more`; from an older server without `resume`,
 * `subscribe` and pages per chat (src/client/catch-up.ts, shared with the SDK's CertchatSocket). Live events
 * that arrive during a chat's catch-up wait until the catch-up is done, so each message is delivered once and
 * in id order. A failed catch-up is tried again as the SDK's CertchatSocket does (jittered, bounded, cancelled by
 * a disconnect) and never skipped: one that gave up keeps the chat's place until the next reconnect — both
 * through src/client/followed-chats.ts.
 * Built here rather than on the SDK's CertchatSocket because that one exposes no connection state.
 */
import { io, type Socket } from "socket.io-client";
import { type CertchatApi, CertchatApiError } from "../../../src/client/api.ts";
import {
  type CatchUpFailure,
  DEFAULT_CATCH_UP_RETRY,
  FollowedChats,
} from "../../../src/client/followed-chats.ts";
import { isChatEvent, isLiveMessage } from "../../../src/client/live-payloads.ts";
import type { RetryPolicy } from "../../../src/client/retry.ts";
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

export class LiveConnection {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly ackTimeoutMs: number;
  private readonly resumeTimeoutMs: number;
  /** Watched chats: their last delivered ids and catch-ups. */
  private readonly chats: FollowedChats;

  constructor(
    private readonly api: CertchatApi,
    handlers: LiveHandlers,
    options: LiveOptions = {},
  ) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
    const rate = options.minTransferBytesPerSecond ?? DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND;
    this.resumeTimeoutMs = transferTimeoutMs(this.ackTimeoutMs, PAGE_ANSWER_BYTES, rate);
    this.socket = io(api.server, { auth: { token: api.token ?? "" } });
    this.chats = new FollowedChats({
      transport: {
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
      },
      retry: { ...DEFAULT_CATCH_UP_RETRY, ...options.catchUpRetry },
      failed: (failure) => handlers.catchUpFailed(failure),
      deliver: (message) => handlers.message(message),
    });
    this.socket.on("connect", () => {
      handlers.state("online");
      this.chats.connected();
    });
    this.socket.on("disconnect", () => {
      this.chats.disconnected();
      handlers.state("offline");
    });
    this.socket.on("connect_error", (error: Error & { data?: { error?: string } }) => {
      const code = error.data?.error;
      if (code && SESSION_ENDED.has(code)) {
        this.socket.disconnect();
        handlers.sessionEnded(code as ErrorCode);
      } else handlers.state("offline");
    });
    // A payload the page cannot route is dropped (src/client/live-payloads.ts, shared with the SDK's socket):
    // thrown here it is an uncaught exception, and passed on its missing fields break the store or the screen.
    this.socket.on(liveMessageEvent.current, (message: unknown) => {
      if (isLiveMessage(message)) this.chats.receive(message);
    });
    this.socket.on("chatAdded", (event: unknown) => {
      if (isChatEvent("chatAdded", event)) handlers.chatAdded(event);
    });
    this.socket.on("chatRemoved", (event: unknown) => {
      if (!isChatEvent("chatRemoved", event)) return;
      // The server has already taken this socket out of the chat's rooms.
      this.unwatch(event.chatId);
      handlers.chatRemoved(event);
    });
    this.socket.on("chatChanged", (event: unknown) => {
      if (isChatEvent("chatChanged", event)) handlers.chatChanged(event);
    });
    this.socket.on("chatWaitList", (event: unknown) => {
      if (isChatEvent("chatWaitList", event)) handlers.chatWaitList(event);
    });
    handlers.state("connecting");
  }

  /** Delivers the messages of `chat` after `lastId` from now on (caught up first when it is behind). */
  watch(chat: string, lastId: number): void {
    if (this.chats.follow(chat, lastId)) void this.chats.catchUp(chat);
  }

  /** Stops delivering `chat` (the user is no longer a member). */
  unwatch(chat: string): void {
    this.chats.forget(chat);
  }

  close(): void {
    this.chats.close();
    this.socket.disconnect();
  }
}
