import type { Logger } from "pino";
import type { DefaultEventsMap, Server, Socket } from "socket.io";
import { ApiError } from "../../protocol/errors.ts";
import type { ClientToServerEvents, ServerToClientEvents } from "../../protocol/events.ts";
import type { ChatRights } from "../services/chat-rights.ts";
import type { MessageService } from "../services/messages.ts";
import type { Identity, SessionService } from "../services/sessions.ts";
import type { PreAuthGate } from "./preauth-gate.ts";

/** What a socket carries between events: who it is, once a token resolved. */
export interface SocketData {
  identity?: Identity;
  token?: string;
}

/** The API's events (src/protocol/events.ts); server-to-server events are untyped (DefaultEventsMap). */
export type CertchatSocket = Socket<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketData>;
export type CertchatIo = Server<ClientToServerEvents, ServerToClientEvents, DefaultEventsMap, SocketData>;

/** The services every socket event handler may use. */
export interface RealtimeContext {
  logger: Logger;
  sessions: SessionService;
  messages: MessageService;
  /** Membership answers, shared with MessageService (a subscribe's check serves the sends after it). */
  rights: ChatRights;
  /** Told when a socket's token is checked, so it lets the socket's held-back packets through. */
  preAuth: PreAuthGate;
  /**
   * How many sweeps of this node's sockets' sessions have been asked for so far (session-sweeper.ts): a session
   * read before one moved it may have been ended since, and its socket missed by that sweep (authentication.ts).
   */
  sweepsAsked(): number;
}

/** The identity of an authenticated socket; NeedAuthentication before `session` or a handshake token. */
export function identityOf(socket: CertchatSocket): Identity {
  const identity = socket.data.identity;
  if (!identity) throw new ApiError("NeedAuthentication", "socket without session");
  return identity;
}
