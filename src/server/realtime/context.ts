import type { Logger } from "pino";
import type { DefaultEventsMap, Server, Socket } from "socket.io";
import { ApiError } from "../../protocol/errors.ts";
import type { MessagePublisher } from "../services/message-publisher.ts";
import type { MessageService } from "../services/messages.ts";
import type { Identity, SessionService } from "../services/sessions.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import type { PreAuthGate } from "./preauth-gate.ts";

/** What a socket carries between events: who it is, once a token resolved. */
export interface SocketData {
  identity?: Identity;
  token?: string;
}

export type CertchatSocket = Socket<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;
export type CertchatIo = Server<DefaultEventsMap, DefaultEventsMap, DefaultEventsMap, SocketData>;

/** The services every socket event handler may use. */
export interface RealtimeContext {
  logger: Logger;
  db: Executor;
  sessions: SessionService;
  messages: MessageService;
  publisher: MessagePublisher;
  /** Told when a socket's token is checked, so it lets the socket's held-back packets through. */
  preAuth: PreAuthGate;
}

/** The identity of an authenticated socket; NeedAuthentication before `session` or a handshake token. */
export function identityOf(socket: CertchatSocket): Identity {
  const identity = socket.data.identity;
  if (!identity) throw new ApiError("NeedAuthentication", "socket without session");
  return identity;
}
