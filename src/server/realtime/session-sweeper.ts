import type { Logger } from "pino";
import type { SessionService } from "../services/sessions.ts";
import { isDeadSession } from "./authentication.ts";
import type { CertchatIo, CertchatSocket } from "./context.ts";

export interface SessionSweeper {
  /** Checks every socket now (sessions were just ended); a round already running is followed by another. */
  sweepNow(): Promise<void>;
  stop(): void;
}

/**
 * Disconnects this node's sockets whose session ended (expired, removed, certificate expired or revoked),
 * checking every distinct token once per interval in a query per 500 tokens (not per event, nor per socket).
 * A round that fails (database unreachable) is logged and leaves the sockets alone until the next one.
 */
export function sweepDeadSessions(
  io: CertchatIo,
  sessions: SessionService,
  intervalMs: number,
  logger: Logger,
): SessionSweeper {
  let running: Promise<void> | undefined;
  let again = false;
  const round = async () => {
    const byToken = new Map<string, CertchatSocket[]>();
    for (const socket of io.of("/").sockets.values()) {
      const token = socket.data.token;
      if (token === undefined) continue;
      const group = byToken.get(token);
      if (group) group.push(socket);
      else byToken.set(token, [socket]);
    }
    const refused = await sessions.refusals([...byToken.keys()], { requirePhone: true });
    for (const [token, error] of refused) {
      if (isDeadSession(error)) for (const socket of byToken.get(token) ?? []) socket.disconnect();
    }
  };
  const sweep = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await round();
        } catch (error) {
          logger.error({ err: error }, "socket session sweep failed; sockets are checked again next round");
        }
      } while (again);
      running = undefined;
    })();
    return running;
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return { sweepNow: sweep, stop: () => clearInterval(timer) };
}
