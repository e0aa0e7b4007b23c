import { failure } from "../http/envelope.ts";
import { splitAck } from "./answer.ts";
import type { CertchatSocket, RealtimeContext } from "./context.ts";

type Handler = (context: RealtimeContext, socket: CertchatSocket, args: unknown[]) => Promise<void>;

/**
 * Wraps an event handler of an authenticated socket: once the session's certificate has expired
 * (CertificateExpired) or the session is past its maximum age (SessionExpired), the event is answered with
 * that refusal and the socket disconnected, instead of riding on the identity resolved at `session` time.
 */
export function whileSessionLasts(handle: Handler): Handler {
  return async (context, socket, args) => {
    const identity = socket.data.identity;
    const refusal = identity && context.sessions.lifetimeRefusal(identity);
    if (!refusal) return handle(context, socket, args);
    context.logger.debug({ code: refusal.code, socket: socket.id }, "socket session ended");
    splitAck(args).ack?.(failure(refusal.code));
    socket.disconnect();
  };
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
