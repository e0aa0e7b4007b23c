/**
 * The real-time client (docs/DECISIONS.md §3, Socket.IO 4): subscribes to chats, delivers each new message once, and
 * survives reconnects. After every (re)connect it subscribes again and catches up — one `resume` for all its chats
 * (docs/API.md "resume"), or, from an older server without it, `subscribe` and `messages` /
 * `rel: "next"` from the last id it holds, so nothing published while it was away is lost; a catch-up that
 * fails is tried again (backoff, bounded) and never skipped. `sendMessage` carries a `localId` and is retried
 * until acknowledged; the server answers a retry with the stored message. A socket's sends await their acks
 * within a window (docs/SDK.md "Sending"), so the server's bound on a socket's queued events is not reached;
 * the rest wait here.
 */
import { io, type Socket } from "socket.io-client";
import { eventBytes } from "../protocol/event-size.ts";
import {
  type ClientEventName,
  type ClientToServerEvents,
  type EventData,
  type EventEnvelope,
  liveMessageEvent,
  type ServerToClientEvents,
} from "../protocol/events.ts";
import type {
  LocalId,
  Message,
  MessagesData,
  MessagesRequest,
  SendMessageRequest,
} from "../protocol/schemas/messages.ts";
import { CertchatApiError, type WithoutToken } from "./api.ts";
import { type CatchUpFailure, DEFAULT_CATCH_UP_RETRY, FollowedChats } from "./followed-chats.ts";
import { type ChatEventName, type ChatEventPayload, isChatEvent, isLiveMessage } from "./live-payloads.ts";
import type { RetryPolicy } from "./retry.ts";
import { SendWindow } from "./send-window.ts";
import {
  DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND,
  PAGE_ANSWER_BYTES,
  transferTimeoutMs,
} from "./transfer-allowance.ts";

export interface CertchatSocketOptions {
  server: string;
  token: string;
  /** How long to wait for an ack before a retry (default 5 s), plus the transfer allowance below. */
  ackTimeoutMs?: number;
  /**
   * The slowest link waited for (default 128 KiB/s): a send's ack wait grows by its bytes at this rate, that
   * of an answer with history pages (`resume`, `messages`) by the default page budget (8 MiB).
   */
  minTransferBytesPerSecond?: number;
  /**
   * Sends awaiting their acks at once (default 128, the server's sends worked on at once per socket); more
   * wait in the SDK. The server refuses events beyond 1,000 queued per socket.
   */
  maxSendsInFlight?: number;
  /**
   * Their bytes, as src/protocol/event-size.ts measures them (default 32 MiB, half the server's default
   * CERTCHAT_SOCKET_QUEUE_BYTES); one send always goes while nothing else is in flight, however big.
   */
  maxSendBytesInFlight?: number;
  /** How a chat's failed catch-up is tried again on the same connection (DEFAULT_CATCH_UP_RETRY). */
  catchUpRetry?: Partial<RetryPolicy>;
}

/** Catch-up failures as the SDK has always exported them (src/client/index.ts re-exports this module). */
export {
  type CatchUpFailure,
  DEFAULT_CATCH_UP_RETRY,
  isFinalCatchUpRefusal,
} from "./followed-chats.ts";

const DEFAULT_SENDS_IN_FLIGHT = 128;
const DEFAULT_SEND_BYTES_IN_FLIGHT = 32 * 1024 ** 2;

export type OutgoingMessage = WithoutToken<SendMessageRequest> & { localId: LocalId };

type MessageListener = (message: Message) => void;

/** The chat events and their payloads as the SDK has always exported them (from src/client/index.ts). */
export type { ChatEventName, ChatEventPayload } from "./live-payloads.ts";

type Payload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];

export class CertchatSocket {
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  private readonly ackTimeoutMs: number;
  private readonly transferRate: number;
  private readonly sends: SendWindow;
  /** Subscribed chats: their last delivered ids and catch-ups. */
  private readonly chats: FollowedChats;
  private readonly listeners = new Set<MessageListener>();
  /** Ids of messages this socket sent: the sender has them from the ack, as live delivery assumes. */
  private readonly ownIds = new Set<number>();
  private readonly closeListeners = new Set<() => void>();
  private readonly failureListeners = new Set<(failure: CatchUpFailure) => void>();
  private closed = false;

  constructor(options: CertchatSocketOptions) {
    this.ackTimeoutMs = options.ackTimeoutMs ?? 5_000;
    this.transferRate = options.minTransferBytesPerSecond ?? DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND;
    this.sends = new SendWindow({
      sends: options.maxSendsInFlight ?? DEFAULT_SENDS_IN_FLIGHT,
      bytes: options.maxSendBytesInFlight ?? DEFAULT_SEND_BYTES_IN_FLIGHT,
    });
    this.chats = new FollowedChats({
      transport: {
        resume: (chats) => this.request("resume", { chats }, this.pageTimeoutMs()),
        subscribe: async (chat) => {
          await this.request("subscribe", chat);
        },
        nextPage: (chat, after) => this.messages({ chat, id: after, rel: "next" }),
      },
      retry: { ...DEFAULT_CATCH_UP_RETRY, ...options.catchUpRetry },
      failed: (failure) => {
        for (const listener of this.failureListeners) listener(failure);
      },
      deliver: (message) => this.deliver(message),
    });
    this.socket = io(options.server, { auth: { token: options.token }, autoConnect: false });
    this.socket.on("connect", () => this.chats.connected());
    this.socket.on("disconnect", () => this.chats.disconnected());
    // A payload the SDK cannot read is dropped here: thrown inside socket.io's handler it is an uncaught exception.
    this.socket.on(liveMessageEvent.current, (message: unknown) => {
      if (isLiveMessage(message)) this.chats.receive(message);
    });
  }

  /** Connects; a refused handshake (e.g. an expired token) rejects with its API error code. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        this.socket.off("connect_error", onError);
        resolve();
      };
      const onError = (error: Error & { data?: EventEnvelope<"session"> }) => {
        this.socket.off("connect", onConnect);
        this.close();
        reject(new CertchatApiError(error.data?.error ?? "NetworkError", undefined, { cause: error }));
      };
      this.socket.once("connect", onConnect);
      this.socket.once("connect_error", onError);
      this.socket.connect();
    });
  }

  onMessage(listener: MessageListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Listens for a membership or key event; returns the function that stops listening. */
  on<E extends ChatEventName>(event: E, listener: (payload: ChatEventPayload<E>) => void): () => void {
    // socket.io-client's types do not resolve a generic event name: the signature above ties listener to event.
    const handler = ((payload: unknown) => {
      if (isChatEvent(event, payload)) listener(payload);
    }) as ServerToClientEvents["chatAdded"];
    this.socket.on(event as "chatAdded", handler);
    return () => {
      this.socket.off(event as "chatAdded", handler);
    };
  }

  /**
   * Subscribes to `chat`: messages after the id `after` are caught up first; by default only new ones come.
   * Subscribing again to a subscribed chat keeps its place (moved forward to `after` if given, unless its gap
   * is being fetched): nothing it has not delivered yet is skipped.
   */
  async subscribe(chat: string, after?: number): Promise<void> {
    if (after !== undefined) this.chats.follow(chat, after);
    else if (!this.chats.has(chat)) {
      const latest = (await this.messages({ chat })).at(-1)?.id ?? 0;
      // A subscribe that raced this one has followed the chat already: its place stands.
      if (!this.chats.has(chat)) this.chats.follow(chat, latest);
    }
    await this.catchUp(chat);
  }

  /**
   * Resolves once the subscribed `chat` holds every message up to now: joins the catch-up under way, or starts
   * one (after a catch-up gave up); waits across reconnects. Rejects with the last error when a catch-up gives
   * up (reported to onCatchUpFailure's listeners as well), or when the socket is closed.
   */
  async catchUp(chat: string): Promise<void> {
    while (this.chats.has(chat)) {
      await this.connected();
      const end = await this.chats.catchUp(chat);
      if (end.kind === "done") return;
      if (end.kind === "failed") throw end.error;
    }
  }

  /** Listens for failed catch-up attempts (see CatchUpFailure); returns the function that stops listening. */
  onCatchUpFailure(listener: (failure: CatchUpFailure) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  /**
   * Stops live delivery of `chat` and forgets its position. After a removal the server has already taken the
   * socket out of the chat's rooms and refuses the request: that refusal is not an error here.
   */
  async unsubscribe(chat: string): Promise<void> {
    this.chats.forget(chat);
    try {
      await this.request("unsubscribe", chat);
    } catch (error) {
      if (!(error instanceof CertchatApiError)) throw error;
    }
  }

  /** Whether `chat` is subscribed (listen's "follow" must not subscribe twice). */
  isSubscribed(chat: string): boolean {
    return this.chats.has(chat);
  }

  /**
   * Sends once the window has room (sends go in call order), retrying with the same `localId` until the server
   * acknowledges; the stored message. A `DataError` while other sends were in flight may be the server's bound
   * on the socket's queue (a server configured below this window): the send goes again alone, once the others
   * are answered, and only a refusal then is final (a text or file over its limit).
   */
  async sendMessage(message: OutgoingMessage): Promise<Message> {
    const bytes = eventBytes([message], Number.POSITIVE_INFINITY);
    let leave = await this.sends.enter(bytes);
    let alone = false;
    try {
      for (;;) {
        try {
          const timeoutMs = transferTimeoutMs(this.ackTimeoutMs, bytes, this.transferRate);
          const stored = await this.request("sendMessage", message, timeoutMs);
          if (stored.id > (this.chats.lastId(stored.chat) ?? Number.MAX_SAFE_INTEGER))
            this.ownIds.add(stored.id);
          return stored;
        } catch (error) {
          if (this.closed) throw error;
          if (!(error instanceof CertchatApiError)) continue;
          if (error.code !== "DataError" || alone || this.sends.inFlight === 1) throw error;
          leave();
          leave = await this.sends.enter(bytes, { alone: true });
          alone = true;
        }
      }
    } finally {
      leave();
    }
  }

  /** A history page over the socket (the twin of /api/messages/). */
  messages(request: WithoutToken<MessagesRequest>): Promise<MessagesData> {
    return this.request("messages", request, this.pageTimeoutMs());
  }

  /** The wait for an answer that may carry a whole page budget. */
  private pageTimeoutMs(): number {
    return transferTimeoutMs(this.ackTimeoutMs, PAGE_ANSWER_BYTES, this.transferRate);
  }

  close(): void {
    this.closed = true;
    this.chats.close();
    this.socket.disconnect();
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }

  /** Called once when close() is (work tied to the socket, e.g. pending fulfilments, stops). */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
  }

  /** A subscribed chat's next message (FollowedChats keeps each id once, in order), never our own. */
  private deliver(message: Message): void {
    if (this.ownIds.delete(message.id)) return;
    for (const listener of this.listeners) listener(message);
  }

  /** Emits with an ack once connected; a timeout throws a plain Error, an error envelope CertchatApiError. */
  private async request<E extends ClientEventName>(
    event: E,
    payload: Payload<E>,
    timeoutMs = this.ackTimeoutMs,
  ): Promise<EventData<E>> {
    await this.connected();
    // socket.io-client's types do not resolve a generic event name: the signature above ties payload to event.
    const envelope: EventEnvelope<ClientEventName> | undefined = await this.socket
      .timeout(timeoutMs)
      .emitWithAck(event as ClientEventName, payload as never);
    if (!envelope?.success) throw new CertchatApiError(envelope?.error ?? "InvalidResponse");
    return envelope.data as EventData<E>;
  }

  private connected(): Promise<void> {
    if (this.closed) return Promise.reject(new Error("the socket is closed"));
    if (this.socket.connected) return Promise.resolve();
    return new Promise((resolve) => this.socket.once("connect", () => resolve()));
  }
}
