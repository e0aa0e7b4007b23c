import type { Static } from "@sinclair/typebox";
import { type ClientEvent, type ClientEventName, clientEvents } from "../../protocol/events.ts";
import type { Identity } from "../services/sessions.ts";
import { attempt, reply, splitAck } from "./answer.ts";
import { identityFor } from "./authentication.ts";
import type { CertchatSocket, RealtimeContext } from "./context.ts";
import type { OrderedPart, QueuedEvent } from "./event-queue.ts";
import { parsePayload } from "./payload.ts";
import { refuseEndedSession } from "./session-lifetime.ts";

type Entry<E extends ClientEventName> = (typeof clientEvents)[E];

/** What an event's handler gets: its payload, valid, and who it acts for (nobody yet, for `session`). */
export interface EventCall<E extends ClientEventName> {
  context: RealtimeContext;
  socket: CertchatSocket;
  payload: Static<Entry<E>["payload"]>;
  identity: Entry<E>["identity"] extends "session" ? undefined : Identity;
}

/** The event whose handling is staged (PreparedWork) so that a socket's sends overlap. */
export type StagedEventName = "sendMessage";

/** One handler per client event: what it returns is the ack's `data`, an ApiError it throws the ack's code. */
export type EventHandlers = {
  [E in Exclude<ClientEventName, StagedEventName>]: (call: EventCall<E>) => Promise<Static<Entry<E>["data"]>>;
};

/** What a staged handler prepared (docs/DECISIONS.md §13): the rest of the event's work, begun in arrival order. */
export interface PreparedWork<T> {
  /** What it does before its first await happens in the socket's order (a message's place in the commit). */
  commit(): Promise<T>;
  /** The event's turn never came (the socket left): undo what was prepared. */
  abandon(): Promise<void>;
}

/**
 * A staged handler: what may overlap the socket's earlier events (checks, authorization, a file's blob), then
 * a PreparedWork; an ApiError it throws is the ack's code.
 */
export type StagedHandler<E extends StagedEventName> = (
  call: EventCall<E>,
) => Promise<PreparedWork<Static<Entry<E>["data"]>>>;

/** The ordered part of an event that has nothing left to do in order but its answer (if any). */
function answerOnly(answer: () => void): OrderedPart {
  return { begin: async () => answer, drop: async () => {} };
}

/** An event that runs alone in the socket's queue: `dispatch` when its turn comes. */
export function exclusiveEvent(run: () => Promise<void>): QueuedEvent {
  return {
    overlaps: () => false,
    start: async () => {
      await run();
      return answerOnly(() => {});
    },
  };
}

/**
 * An event handled in stages (docs/DECISIONS.md §13), with the checks `dispatch` makes: a socket whose session
 * ended is refused and disconnected; then who it acts for, its payload, the handler's preparation — all of which
 * may overlap the socket's earlier events when `overlaps` says so — then, in arrival order, the commit, the ack
 * and what follows the ack.
 */
export function stagedEvent<E extends StagedEventName>(
  handler: StagedHandler<E>,
  context: RealtimeContext,
  socket: CertchatSocket,
  event: E,
  args: unknown[],
  overlaps: () => boolean,
): QueuedEvent {
  const entry: ClientEvent = clientEvents[event];
  const { payload, ack } = splitAck(args);
  return {
    overlaps,
    async start() {
      if (refuseEndedSession(context, socket, ack)) return answerOnly(() => {});
      const prepared = await attempt(context, event, async () => {
        const identity = await identityFor(context, socket, entry.identity, payload);
        const valid = parsePayload(entry.payload, payload, event, entry.asSent);
        return handler({ context, socket, identity, payload: valid } as EventCall<E>);
      });
      if (!prepared.ok) return answerOnly(() => reply(ack, prepared));
      const work = prepared.value;
      return {
        async begin() {
          const outcome = await attempt(context, event, () => work.commit());
          return () => {
            reply(ack, outcome);
          };
        },
        drop: () => work.abandon(),
      };
    },
  };
}

/**
 * Handles one client event as its table entry (src/protocol/events.ts) says: a socket whose session ended is
 * refused and disconnected; then who the event acts for, its payload checked against the entry's schema, the
 * handler, and the ack with the API's envelope (errors as the HTTP API answers them). An event that brings its
 * own identity (`session`) and is refused leaves the socket without one: it is disconnected.
 */
export async function dispatch<E extends Exclude<ClientEventName, StagedEventName>>(
  handlers: EventHandlers,
  context: RealtimeContext,
  socket: CertchatSocket,
  event: E,
  args: unknown[],
): Promise<void> {
  const entry: ClientEvent = clientEvents[event];
  const { payload, ack } = splitAck(args);
  if (entry.identity !== "session" && refuseEndedSession(context, socket, ack)) return;
  const outcome = await attempt(context, event, async () => {
    const identity = await identityFor(context, socket, entry.identity, payload);
    const valid = parsePayload(entry.payload, payload, event, entry.asSent);
    return handlers[event]({ context, socket, identity, payload: valid } as EventCall<E>);
  });
  reply(ack, outcome);
  if (!outcome.ok && entry.identity === "session") {
    socket.disconnect();
    context.preAuth.refused(socket);
  }
}
