import { failure } from "../http/envelope.ts";
import type { Ack } from "./answer.ts";
import type { CertchatSocket, RealtimeContext } from "./context.ts";

/**
 * Before an event of an authenticated socket: once the session's certificate has expired (CertificateExpired)
 * or the session is past its maximum age (SessionExpired), the event is answered with that refusal and the
 * socket disconnected, instead of riding on the identity resolved at `session` time. True when it refused.
 */
export function refuseEndedSession(context: RealtimeContext, socket: CertchatSocket, ack?: Ack): boolean {
  const identity = socket.data.identity;
  const refusal = identity && context.sessions.lifetimeRefusal(identity);
  if (!refusal) return false;
  context.logger.debug({ code: refusal.code, socket: socket.id }, "socket session ended");
  ack?.(failure(refusal.code));
  socket.disconnect();
  return true;
}

/** setTimeout's longest delay; a later end is left to the periodic sweep, which refuses it just the same. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const endTimers = new WeakMap<CertchatSocket, NodeJS.Timeout>();

/**
 * Disconnects the socket when its session's certificate expires or the session reaches its maximum age, so
 * that a silent socket does not keep receiving messages until the next sweep. Call whenever the socket's
 * identity changes, and `forgetSessionEnd` when it disconnects.
 */
export function disconnectAtSessionEnd(context: RealtimeContext, socket: CertchatSocket): void {
  forgetSessionEnd(socket);
  const identity = socket.data.identity;
  if (!identity) return;
  const remainingMs = context.sessions.endsAt(identity) - context.sessions.now();
  if (remainingMs > MAX_TIMER_MS) return;
  const timer = setTimeout(
    () => {
      if (socket.data.identity === identity) socket.disconnect();
    },
    Math.max(0, remainingMs + 1),
  );
  timer.unref();
  endTimers.set(socket, timer);
}

/** Drops the socket's end timer (it disconnected). */
export function forgetSessionEnd(socket: CertchatSocket): void {
  clearTimeout(endTimers.get(socket));
  endTimers.delete(socket);
}
