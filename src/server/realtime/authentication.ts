import type { Static } from "@sinclair/typebox";
import type { ExtendedError } from "socket.io";
import { ApiError } from "../../protocol/errors.ts";
import type { ClientEvent, SessionData } from "../../protocol/events.ts";
import type { Identity, SessionService } from "../services/sessions.ts";
import { attempt } from "./answer.ts";
import { type CertchatSocket, identityOf, type RealtimeContext } from "./context.ts";
import type { EventCall } from "./dispatch.ts";
import { profileRoom } from "./rooms.ts";
import { disconnectAtSessionEnd } from "./session-lifetime.ts";

function authenticate(sessions: SessionService, token: string | undefined): Promise<Identity> {
  return sessions.authenticate(token, { requirePhone: true });
}

function handshakeToken(socket: CertchatSocket): string | undefined {
  const fromAuth: unknown = socket.handshake.auth?.token;
  if (typeof fromAuth === "string" && fromAuth !== "") return fromAuth;
  const fromQuery = socket.handshake.query.token;
  return typeof fromQuery === "string" && fromQuery !== "" ? fromQuery : undefined;
}

/**
 * Connection middleware: a token in the handshake (`auth.token`, or query `token`) is resolved before the
 * socket connects; a bad one refuses the connection with the error envelope as `connect_error` data. No token
 * is fine: the deployed client authenticates with the `session` event afterwards.
 */
export function handshakeAuthentication(context: RealtimeContext) {
  return async (socket: CertchatSocket, next: (error?: ExtendedError) => void): Promise<void> => {
    const token = handshakeToken(socket);
    if (token === undefined) {
      context.preAuth.resolved(socket, false);
      return next();
    }
    const sweepsBefore = context.sweepsAsked();
    const outcome = await attempt(context, "handshake", () => authenticate(context.sessions, token));
    if (!outcome.ok) {
      const error: ExtendedError = new Error(outcome.envelope.error);
      error.data = outcome.envelope;
      context.preAuth.resolved(socket, false);
      return next(error);
    }
    adoptSession(context, socket, token, outcome.value);
    handshakeSweeps.set(socket, sweepsBefore);
    context.preAuth.resolved(socket, true);
    next();
  };
}

/** The sweeps asked before a handshake read its socket's session, kept until the socket connects. */
const handshakeSweeps = new WeakMap<CertchatSocket, number>();

/**
 * At `connection`: whether a sweep was asked since the handshake read the socket's session. Socket.IO registers
 * the socket a tick after the handshake, so that sweep may have looked at the sockets without it, after its
 * session ended (`certchat sessions revoke`, a revoked certificate): confirmSession must then run before the
 * socket's first event, or it would live until the next periodic sweep.
 */
export function sweptSinceHandshake(context: RealtimeContext, socket: CertchatSocket): boolean {
  const before = handshakeSweeps.get(socket);
  handshakeSweeps.delete(socket);
  return before !== undefined && before !== context.sweepsAsked();
}

/**
 * Reads the socket's session again, for a socket a sweep may have missed: the read comes after sweeps can see the
 * socket with its token, so nothing escapes between the two. Refused, or unreadable (the database is down) → the
 * socket is disconnected, as the sweep would have.
 */
export async function confirmSession(context: RealtimeContext, socket: CertchatSocket): Promise<void> {
  const token = socket.data.token;
  if (token === undefined) return;
  try {
    await authenticate(context.sessions, token);
  } catch (error) {
    if (error instanceof ApiError)
      context.logger.debug({ code: error.code }, "socket session ended as it connected");
    else
      context.logger.warn({ err: error }, "could not re-check a connecting socket's session: disconnected");
    socket.disconnect();
  }
}

/**
 * Resolves `token` and makes the connected socket act for it (an event's token). A sweep asked while the token was
 * read may have looked at the socket before it carried the token, and after the session ended: then the token is
 * read again, until a read has no sweep asked during it — the socket takes the token right after that read, so a
 * later ending's sweep sees it. It ends: sweeps are asked about once a second at most, a read takes milliseconds.
 */
async function takeSession(
  context: RealtimeContext,
  socket: CertchatSocket,
  token: string,
): Promise<Identity> {
  let sweepsBefore: number;
  let identity: Identity;
  do {
    sweepsBefore = context.sweepsAsked();
    identity = await authenticate(context.sessions, token);
  } while (context.sweepsAsked() !== sweepsBefore);
  adoptSession(context, socket, token, identity);
  context.preAuth.resolved(socket, true);
  return identity;
}

/**
 * `session` (the deployed client, after every connect): resolves the token; the socket's later events wait
 * for this in its queue. A refused token is answered and the socket disconnected (see the gateway's dispatch),
 * as a dead session's are. A new token on a live socket starts clean: the old identity's subscriptions are
 * dropped.
 */
export async function startSession({
  context,
  socket,
  payload,
}: EventCall<"session">): Promise<Static<typeof SessionData>> {
  const token = (typeof payload === "string" ? payload : payload.token) ?? "";
  const identity = await takeSession(context, socket, token);
  return { pid: identity.profile.id };
}

/**
 * The socket now acts for `token`, in its profile's room (its membership events, chat-event-publisher.ts); a
 * different token than before starts clean, without the old rooms, and the socket is disconnected when the new
 * session ends (whichever event or handshake brought the token). A handshake adopts before the connection
 * completes: a socket refused after that leaves every room (Socket.IO's cleanup).
 */
function adoptSession(
  context: RealtimeContext,
  socket: CertchatSocket,
  token: string,
  identity: Identity,
): void {
  if (socket.data.token !== token) {
    for (const room of socket.rooms) if (room !== socket.id) socket.leave(room);
  }
  socket.data = { identity, token };
  // The adapter's local rooms: joined when join returns, no Redis round trip.
  void socket.join(profileRoom(identity.profile.id));
  disconnectAtSessionEnd(context, socket);
}

/** A non-empty `token` string field of an object payload, if there is one. */
function payloadToken(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const token: unknown = (payload as { token?: unknown }).token;
  return typeof token === "string" && token !== "" ? token : undefined;
}

/**
 * Whether an event's payload brings a token other than the socket's: handling it switches who the socket acts
 * for, so it may not overlap the socket's other events.
 */
export function bringsOtherSession(socket: CertchatSocket, payload: unknown): boolean {
  const token = payloadToken(payload);
  return token !== undefined && token !== socket.data.token;
}

/**
 * Who an event acts for. A client written from the spec alone sends the REST body, token included, as the
 * payload ("the same object", spec "Отправка в сокет"), and never a `session` event: such a token works as a
 * `session` just before the event (same checks; a refused one is the event's answer, and the socket stays).
 * Without one, the socket's own session decides (NeedAuthentication before any).
 */
async function eventIdentity(
  context: RealtimeContext,
  socket: CertchatSocket,
  payload: unknown,
): Promise<Identity> {
  const token = payloadToken(payload);
  if (token === undefined || token === socket.data.token) return identityOf(socket);
  return takeSession(context, socket, token);
}

/**
 * Who an event acts for, by its table entry (src/protocol/events.ts): nobody yet for `session`, the socket's
 * session, or a token in the payload standing in for `session` (eventIdentity).
 */
export async function identityFor(
  context: RealtimeContext,
  socket: CertchatSocket,
  mode: ClientEvent["identity"],
  payload: unknown,
): Promise<Identity | undefined> {
  if (mode === "session") return undefined;
  if (mode === "socket") return identityOf(socket);
  return eventIdentity(context, socket, payload);
}

/** The refusals that mean the token will never work again: unknown, expired, certificate expired or revoked. */
const deadSessionCodes = new Set([
  "NeedAuthentication",
  "SessionExpired",
  "CertificateExpired",
  "InvalidCertificate",
]);

/** True for the refusals that mean the token will never work again. */
export function isDeadSession(error: unknown): boolean {
  return error instanceof ApiError && deadSessionCodes.has(error.code);
}
