import type { Server as HttpServer, IncomingMessage } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { Server } from "socket.io";
import { Decoder, Encoder } from "socket.io-parser";
import { eventBytes } from "../../protocol/event-size.ts";
import { type ClientEventName, isClientEvent } from "../../protocol/events.ts";
import { failure } from "../http/envelope.ts";
import { splitAck } from "./answer.ts";
import {
  bringsOtherSession,
  confirmSession,
  handshakeAuthentication,
  startSession,
  sweptSinceHandshake,
} from "./authentication.ts";
import { countChatLeaves } from "./chat-leaves.ts";
import type { CertchatIo, CertchatSocket, RealtimeContext } from "./context.ts";
import { countChatDeliveries } from "./delivery-count.ts";
import {
  dispatch,
  type EventHandlers,
  exclusiveEvent,
  type StagedEventName,
  stagedEvent,
} from "./dispatch.ts";
import { EventQueue, type QueueBound, type QueuedEvent } from "./event-queue.ts";
import { coalesceBufferedFrames } from "./flush-coalescing.ts";
import { history } from "./history.ts";
import { countPollingResponses } from "./polling-responses.ts";
import { PreAuthGate } from "./preauth-gate.ts";
import type { RedisLink } from "./redis-adapter.ts";
import { resume } from "./resume.ts";
import { isChatRoom } from "./rooms.ts";
import {
  type BackloggedConnection,
  closeNonReaders,
  type ReaderSocket,
  readDownTo,
  unsentBytes,
} from "./send-backlog.ts";
import { sendMessage } from "./send-message.ts";
import { watchSessionEnds } from "./session-end-watch.ts";
import { disconnectAtSessionEnd, forgetSessionEnd } from "./session-lifetime.ts";
import { sweepDeadSessions } from "./session-sweeper.ts";
import { SharedByteBounds } from "./shared-byte-bounds.ts";
import { socketContext } from "./socket-logger.ts";
import { closeSpread } from "./spread-close.ts";
import { subscribe, unsubscribe } from "./subscriptions.ts";

/**
 * The handler of each client event of src/protocol/events.ts (docs/API.md "Client → server events"); `sendMessage`
 * is staged (send-message.ts) so that a socket's sends overlap.
 */
const handlers: EventHandlers = {
  session: startSession,
  subscribe,
  unsubscribe,
  messages: history,
  resume,
};

/** Server-to-server event (through the Redis adapter): sessions were ended on some node. */
const SESSIONS_ENDED = "certchat:sessions-ended";

/**
 * Events one socket may have queued (docs/DECISIONS.md §13): beyond this (or beyond its bytes, the gateway's
 * `maxQueuedBytes`) each further event is refused with DataError at once — never a disconnect, which would
 * leave its queued sends' fate unknown.
 */
export const MAX_QUEUED_EVENTS = 1000;

/**
 * A socket's sends being prepared or committed at once; later ones wait their turn in the queue, so a sender
 * far ahead gets slower acks, and one socket cannot fill a group commit alone.
 */
export const MAX_OVERLAPPING_SENDS = 128;

/** How often every socket's unread bytes are looked at (send-backlog.ts closeNonReaders). */
const NON_READER_CHECK_MS = 1000;

function isStaged(event: ClientEventName): event is StagedEventName {
  return event === "sendMessage";
}

function socketCensus(io: CertchatIo): { eio3: number; eio4: number; subscriptions: number } {
  let eio3 = 0;
  for (const socket of io.of("/").sockets.values()) if (socket.conn.protocol === 3) eio3++;
  let subscriptions = 0;
  for (const [room, members] of io.of("/").adapter.rooms) {
    if (isChatRoom(room)) subscriptions += members.size;
  }
  return { eio3, eio4: io.of("/").sockets.size - eio3, subscriptions };
}

export interface SocketServerOptions {
  /** Bytes a connection may send before it sends its token; more → closed (see PreAuthGate). */
  preAuthBytes: number;
  redis?: RedisLink;
}

export interface GatewayOptions
  extends Omit<RealtimeContext, "preAuth" | "sweepsAsked">,
    SocketServerOptions {
  /** Largest Socket.IO packet (a sendMessage carries the file): the HTTP body limit. */
  maxPayloadBytes: number;
  /**
   * Bytes of one socket's events queued and not yet answered (src/protocol/event-size.ts measures them); an event that
   * would pass it is refused with DataError. At least maxPayloadBytes. Also what a socket's client may leave
   * unread of its answers: its next event waits until it has read down to this (send-backlog.ts).
   */
  maxQueuedBytes: number;
  /** A connection without a valid session after this long is closed. */
  authGraceMs: number;
  /** How often connected sockets' sessions are re-checked (expired or removed → disconnected). */
  sessionCheckMs: number;
  /**
   * The database's count of session endings and how often to read it: a change has the sockets re-checked
   * at once (session-end-watch.ts), whoever ended the sessions — another process or node.
   */
  sessionEnds: { count(): Promise<number>; pollMs: number };
  /** On close, how long in-flight events may take to finish before the sockets are closed anyway. */
  drainMs: number;
  /** Then, how many sockets are closed a second (0: all at once); see spread-close.ts. */
  drainSocketsPerSecond: number;
  /** The client's address, as the HTTP API finds it (CERTCHAT_TRUST_PROXY): for log lines. */
  clientAddress: (request: IncomingMessage) => string;
  /**
   * Told of live messages handed to this node's sockets, and of each event refused because its socket's queue
   * was at one of its bounds (metrics).
   */
  observer?: { delivered(count: number): void; refusedOverBound(bound: QueueBound): void };
}

export interface RealtimeGateway {
  /** For the start-up banner. */
  description: string;
  attach(server: HttpServer): void;
  /** This node's sockets by Engine.IO protocol and their chat subscriptions (read at each metrics scrape). */
  census(): { eio3: number; eio4: number; subscriptions: number };
  /** Sessions were ended (revoked certificates): disconnect their sockets now, on this node and the others. */
  endSessionsNow(): Promise<void>;
  /** Refuses new sockets, lets queued events finish (bounded), then closes every socket's transport. */
  close(): Promise<void>;
  /**
   * After the last publication (sockets closed, HTTP drained): lets announced messages go out to the other
   * nodes, then closes the Redis link.
   */
  closeLinks(): Promise<void>;
}

/**
 * Socket.IO 4 for the HTTP server's port (path /socket.io/, polling and websocket, Engine.IO v3 clients
 * allowed), not yet serving: made first, so that MessageService's publisher can emit to it.
 */
/** Bytes of binary attachments one packet may carry: no API event has binary data, so only junk does. */
const MAX_ATTACHMENT_BYTES = 64 * 1024;

/**
 * Socket.IO's parser with a bound on binary attachments. The stock decoder keeps a packet's attachment frames (up to
 * 10, each up to the body limit) until its last one comes — which a client need never send — outside the socket's
 * queue bounds (an outside review: 9 × 32 MiB held per socket, for ever). Past MAX_ATTACHMENT_BYTES for one packet
 * the decoder throws, and Socket.IO closes the connection. Smaller ones still reach the handlers, which refuse
 * binary arguments with a clean envelope like any other malformed payload.
 */
class BoundedAttachmentsDecoder extends Decoder {
  private attachmentBytes = 0;

  override add(frame: unknown): void {
    // A string frame starts a packet (one arriving mid-packet makes the stock decoder throw anyway).
    if (typeof frame === "string") this.attachmentBytes = 0;
    else if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame))
      this.attachmentBytes += frame.byteLength;
    if (this.attachmentBytes > MAX_ATTACHMENT_BYTES) throw new Error("binary attachments over their bound");
    super.add(frame);
  }
}

export function createSocketServer(options: SocketServerOptions): CertchatIo {
  return new Server({
    parser: { Encoder, Decoder: BoundedAttachmentsDecoder },
    path: "/socket.io/",
    allowEIO3: true,
    transports: ["polling", "websocket"],
    serveClient: false,
    // Until a connection authenticates; PreAuthGate raises it to maxPayloadBytes per connection.
    maxHttpBufferSize: options.preAuthBytes,
    ...(options.redis ? { adapter: options.redis.adapter } : {}),
  });
}

/**
 * The API's socket events on `io` (made by createSocketServer with the same options). Each socket's events
 * run in arrival order through its own queue.
 */
export function createGateway(io: CertchatIo, options: GatewayOptions): RealtimeGateway {
  const observer = options.observer;
  if (observer) countChatDeliveries(io.of("/").adapter, (count) => observer.delivered(count));
  // subscribe's membership check relies on it (subscriptions.ts).
  countChatLeaves(io.of("/").adapter, io.of("/").sockets);
  const { logger, sessions, messages, rights } = options;
  const preAuth = new PreAuthGate({
    budgetBytes: options.preAuthBytes,
    deferBytes: options.maxPayloadBytes,
    graceMs: options.authGraceMs,
    onDrop: (reason) => logger.debug({ reason }, "socket without a session closed"),
    onUnknownTransport: (name) =>
      logger.warn({ transport: name }, "cannot set this transport's message limit"),
  });
  const sweeper = sweepDeadSessions(io, sessions, rights, options.sessionCheckMs, logger);
  const context: RealtimeContext = {
    logger,
    sessions,
    messages,
    rights,
    preAuth,
    sweepsAsked: sweeper.asked,
  };
  const queues = new Set<EventQueue>();
  // The queued-bytes bound is per socket and, across them, per profile: more sockets do not hold more.
  const profileBytes = new SharedByteBounds(options.maxQueuedBytes);
  let closing = false;

  // A connection refused by a middleware is never retried by socket.io-client (it stayed offline): while the node
  // closes, a new one's transport is closed instead, as its other sockets' are, and the client reconnects elsewhere.
  io.use((socket, next) => {
    if (!closing) return next();
    socket.conn.close();
    next(new Error("server shutting down"));
  });
  io.use(handshakeAuthentication(context));
  io.on("connection", (socket) => {
    const queue = new EventQueue(
      { waiting: MAX_QUEUED_EVENTS, overlapping: MAX_OVERLAPPING_SENDS, bytes: options.maxQueuedBytes },
      (error) => logger.error({ err: error }, "socket event handler failed"),
    );
    queues.add(queue);
    const perSocket = socketContext(context, socket);
    socket.on("disconnect", () => {
      // Events not yet at their commit are dropped: the client's library failed their acks at the disconnect.
      queue.close();
      queues.delete(queue);
      forgetSessionEnd(socket);
    });
    disconnectAtSessionEnd(context, socket);
    // Its events wait for the re-read: a socket whose session ended as it connected handles none.
    if (sweptSinceHandshake(context, socket))
      queue.push(
        exclusiveEvent(() => confirmSession(perSocket, socket)),
        0,
      );
    const queued = (event: ClientEventName, args: unknown[]) =>
      isStaged(event)
        ? stagedEvent(sendMessage, perSocket, socket, event, args, () => {
            const { payload } = splitAck(args);
            return !bringsOtherSession(socket, payload);
          })
        : exclusiveEvent(() => dispatch(handlers, perSocket, socket, event, args));
    // Each event starts once the client has read its earlier answers down to the bound (send-backlog.ts).
    const connection = socket.conn as unknown as BackloggedConnection;
    const waitThenStart = async (event: QueuedEvent) => {
      await readDownTo(connection, options.maxQueuedBytes);
      // The wait ends at a disconnect too, after the queue's own check: the event is the gone socket's, dropped.
      if (socket.disconnected) return { begin: async () => () => {}, drop: async () => {} };
      return event.start();
    };
    // A client that reads (nearly always) starts its event at once, without the wait's extra promise turn.
    const afterReading = (event: QueuedEvent): QueuedEvent => ({
      overlaps: () => event.overlaps(),
      start: () => (unsentBytes(connection) <= options.maxQueuedBytes ? event.start() : waitThenStart(event)),
    });
    // One warning per burst of refusals, not one per refused event.
    let refusing = false;
    // One listener for every event (not one per event name: each would be a closure and an entry in the
    // socket's listener table, ~2 KB per socket in all; docs/PERFORMANCE.md, target 7). An event the API does
    // not have, asked with an ack, is answered as an unknown HTTP method is.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (!isClientEvent(event)) {
        splitAck(args).ack?.(failure("MethodNotFound"));
        return;
      }
      const profile = socket.data.identity?.profile.id;
      const outcome = queue.push(
        afterReading(queued(event, args)),
        eventBytes(args, options.maxQueuedBytes),
        profile === undefined ? undefined : profileBytes.account(profile),
      );
      if (outcome === "queued") {
        refusing = false;
        return;
      }
      splitAck(args).ack?.(failure("DataError"));
      observer?.refusedOverBound(outcome);
      if (!refusing)
        logger.warn(
          { socket: socket.id, address: options.clientAddress(socket.request), bound: outcome },
          "socket over its event queue's bound: events refused",
        );
      refusing = true;
    });
  });
  const nonReaders = closeNonReaders(
    () => io.of("/").sockets.values() as Iterable<unknown> as Iterable<ReaderSocket & CertchatSocket>,
    // Twice the bound: a socket's own answers reach the bound plus one answer (readDownTo lets them), and its
    // client is still reading them.
    2 * options.maxQueuedBytes,
    NON_READER_CHECK_MS,
    (socket, unsent) =>
      logger.warn(
        { socket: socket.id, unsent },
        "socket's client left more than its bound unread: connection closed",
      ),
    (socket) => socket.data.identity?.profile.id,
  );
  // Another node ended sessions: check this node's sockets now.
  io.on(SESSIONS_ENDED, () => void sweeper.sweepNow());
  const endWatch = watchSessionEnds({
    count: options.sessionEnds.count,
    intervalMs: options.sessionEnds.pollMs,
    onEnded: () => void sweeper.sweepNow(),
    logger,
  });

  return {
    description: options.redis ? `socket.io (redis ${options.redis.description})` : "socket.io (single node)",
    attach: (server) => {
      io.attach(server);
      preAuth.attach(io);
      coalesceBufferedFrames(io);
      countPollingResponses(io);
    },
    census: () => socketCensus(io),
    endSessionsNow() {
      // The in-memory adapter has no other nodes (and warns on serverSideEmit).
      if (options.redis) io.serverSideEmit(SESSIONS_ENDED);
      return sweeper.sweepNow();
    },
    async close() {
      closing = true;
      sweeper.stop();
      endWatch.stop();
      nonReaders.stop();
      const deadline = delay(options.drainMs, undefined, { ref: false });
      await Promise.race([Promise.all([...queues].map((queue) => queue.idle())), deadline]);
      // Closing the transport, not sending a Socket.IO disconnect: clients see "transport close" and
      // reconnect (to another node behind the load balancer) instead of staying away.
      const connections = [...io.of("/").sockets.values()].map((socket) => socket.conn);
      await closeSpread(connections, options.drainSocketsPerSecond);
      io.engine?.close();
    },
    async closeLinks() {
      // Live messages are emitted after the continuations that announced them (SocketMessagePublisher): a turn
      // lets the last ones reach the other nodes through Redis before the link goes.
      await new Promise((resolve) => setImmediate(resolve));
      options.redis?.close();
    },
  };
}
