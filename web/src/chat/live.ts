/**
 * The page's live connection (Socket.IO 4, docs/DECISIONS.md §3) with its state for the offline banner. After
 * every (re)connect it subscribes to each watched chat again and catches up over REST (`messages`, rel "next")
 * from the last id it delivered, so nothing published while it was away is lost. Live events that arrive during
 * a chat's catch-up wait until the catch-up is done, so each message is delivered once and in id order.
 * Built here rather than on the SDK's CertchatSocket because that one exposes no connection state.
 */
import { io, type Socket } from "socket.io-client";
import type { CertchatApi } from "../../../src/client/api.ts";
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
import { HISTORY_PAGE_SIZE, type Message } from "../../../src/protocol/schemas/messages.ts";

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
  /** A catch-up failed while the connection stayed up (a drop is the offline banner's, and is resumed). */
  failed(error: unknown): void;
  state(state: ConnectionState): void;
  /** The server refused the session (its API error code); the connection has stopped. */
  sessionEnded(code: ErrorCode): void;
  /** Membership events (docs/API.md "Membership events"), sent to the profile's room, subscribed or not. */
  chatAdded(event: ChatAddedEvent): void;
  chatRemoved(event: ChatRemovedEvent): void;
  chatChanged(event: ChatChangedEvent): void;
  chatWaitList(event: ChatWaitListEvent): void;
}

export class LiveConnection {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Watched chats → the last message id delivered. */
  private readonly lastIds = new Map<string, number>();
  /** Chats being caught up → the live messages that arrived meanwhile. */
  private readonly held = new Map<string, Message[]>();

  constructor(
    private readonly api: CertchatApi,
    private readonly handlers: LiveHandlers,
  ) {
    this.socket = io(api.server, { auth: { token: api.token ?? "" } });
    this.socket.on("connect", () => {
      handlers.state("online");
      for (const chat of this.lastIds.keys()) void this.resume(chat);
    });
    this.socket.on("disconnect", () => handlers.state("offline"));
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
      this.lastIds.delete(event.chatId);
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
      this.lastIds.set(chat, Math.max(known, lastId));
      return;
    }
    this.lastIds.set(chat, lastId);
    if (this.socket.connected) void this.resume(chat);
  }

  /** Stops delivering `chat` (the user is no longer a member). */
  unwatch(chat: string): void {
    this.lastIds.delete(chat);
  }

  close(): void {
    this.socket.disconnect();
  }

  private receive(message: Message): void {
    const held = this.held.get(message.chat);
    if (held) held.push(message);
    else this.deliver(message);
  }

  private async resume(chat: string): Promise<void> {
    if (this.held.has(chat)) return;
    this.held.set(chat, []);
    try {
      const ack = await this.socket.timeout(10_000).emitWithAck("subscribe", chat);
      if (!ack.success) return;
      for (;;) {
        const page = await this.api.messages({ chat, id: this.lastIds.get(chat) ?? 0, rel: "next" });
        for (const message of page) this.deliver(message);
        if (page.length < HISTORY_PAGE_SIZE) break;
      }
    } catch (error) {
      // When the connection dropped again, the next "connect" resumes once more.
      if (this.socket.connected) this.handlers.failed(error);
    } finally {
      const held = this.held.get(chat) ?? [];
      this.held.delete(chat);
      for (const message of held.sort((a, b) => a.id - b.id)) this.deliver(message);
    }
  }

  private deliver(message: Message): void {
    // A chat no longer watched (the member was removed) delivers nothing more, even from a catch-up page.
    const last = this.lastIds.get(message.chat);
    if (last === undefined || message.id <= last) return;
    this.lastIds.set(message.chat, message.id);
    this.handlers.message(message);
  }
}
