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
