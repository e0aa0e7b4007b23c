import type { Logger } from "pino";
import type { CertchatSocket, RealtimeContext } from "./context.ts";

/**
 * The context a socket's event handlers get: the same services, with a logger whose lines carry the socket's
 * id and, once its session is known, its profile id. The child logger is made on first use (most sockets never
 * log a line) and again only when the profile changes (a `session` event), not per event. A class, not a spread
 * object with a getter: one small object per socket (the spread made a dictionary-mode object of ~450 bytes,
 * and every socket held it; docs/PERFORMANCE.md, target 7).
 */
class SocketContext implements RealtimeContext {
  private bound: Logger | undefined;
  private boundProfile: number | undefined;

  constructor(
    private readonly shared: RealtimeContext,
    private readonly socket: CertchatSocket,
  ) {}

  get sessions() {
    return this.shared.sessions;
  }

  get messages() {
    return this.shared.messages;
  }

  get rights() {
    return this.shared.rights;
  }

  get preAuth() {
    return this.shared.preAuth;
  }

  sweepsAsked(): number {
    return this.shared.sweepsAsked();
  }

  get logger(): Logger {
    const profile = this.socket.data.identity?.profile.id;
    if (!this.bound || profile !== this.boundProfile) {
      const socket = this.socket.id;
      this.bound = this.shared.logger.child(profile === undefined ? { socket } : { socket, profile });
      this.boundProfile = profile;
    }
    return this.bound;
  }
}

export function socketContext(context: RealtimeContext, socket: CertchatSocket): RealtimeContext {
  return new SocketContext(context, socket);
}
