import type { Logger } from "pino";
import type { CertchatSocket, RealtimeContext } from "./context.ts";

/**
 * The context a socket's event handlers get: the same services, with a logger whose lines carry the socket's
 * id and, once its session is known, its profile id. The child logger is made again only when the profile
 * changes (a `session` event), not per event.
 */
export function socketContext(context: RealtimeContext, socket: CertchatSocket): RealtimeContext {
  let bound: Logger | undefined;
  let boundProfile: number | undefined;
  const logger = (): Logger => {
    const profile = socket.data.identity?.profile.id;
    if (!bound || profile !== boundProfile) {
      bound = context.logger.child(
        profile === undefined ? { socket: socket.id } : { socket: socket.id, profile },
      );
      boundProfile = profile;
    }
    return bound;
  };
  return {
    ...context,
    get logger() {
      return logger();
    },
  };
}
