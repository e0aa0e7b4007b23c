import type { Static } from "@sinclair/typebox";
import { type ClientEvent, type ClientEventName, clientEvents } from "../../protocol/events.ts";
import type { Identity } from "../services/sessions.ts";
import { attempt, reply, splitAck } from "./answer.ts";
import { identityFor } from "./authentication.ts";
import type { CertchatSocket, RealtimeContext } from "./context.ts";
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

/** One handler per client event: what it returns is the ack's `data`, an ApiError it throws the ack's code. */
export type EventHandlers = {
  [E in ClientEventName]: (call: EventCall<E>) => Promise<Static<Entry<E>["data"]>>;
};

/**
 * Handles one client event as its table entry (src/protocol/events.ts) says: a socket whose session ended is
 * refused and disconnected; then who the event acts for, its payload checked against the entry's schema, the
 * handler, and the ack with the API's envelope (errors as the HTTP API answers them). An event that brings its
 * own identity (`session`) and is refused leaves the socket without one: it is disconnected.
 */
export async function dispatch<E extends ClientEventName>(
  handlers: EventHandlers,
  context: RealtimeContext,
  socket: CertchatSocket,
  event: E,
  args: unknown[],
): Promise<void> {
  const entry: ClientEvent = clientEvents[event];
  const { payload, ack } = splitAck(args);
  if (entry.identity !== "session" && refuseEndedSession(context, socket, ack)) return;
  const outcome = await attempt(context.logger, event, async () => {
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
