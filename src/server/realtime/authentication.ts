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
    const outcome = await attempt(context, "handshake", () => authenticate(context.sessions, token));
    if (!outcome.ok) {
      const error: ExtendedError = new Error(outcome.envelope.error);
      error.data = outcome.envelope;
      context.preAuth.resolved(socket, false);
      return next(error);
    }
    adoptSession(context, socket, token, outcome.value);
    context.preAuth.resolved(socket, true);
    next();
  };
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
  const identity = await authenticate(context.sessions, token);
  adoptSession(context, socket, token, identity);
  context.preAuth.resolved(socket, true);
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
  const identity = await authenticate(context.sessions, token);
  adoptSession(context, socket, token, identity);
  context.preAuth.resolved(socket, true);
  return identity;
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
