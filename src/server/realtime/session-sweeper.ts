import type { SessionService } from "../services/sessions.ts";
import { isDeadSession } from "./authentication.ts";
import type { CertchatIo, CertchatSocket } from "./context.ts";

/**
 * Disconnects this node's sockets whose session expired or was removed, checking each distinct token once
 * per interval (one lookup per session, not per event). A check that fails for another reason (database
 * unreachable) leaves the sockets alone until the next round. Returns a stop function.
 */
export function sweepDeadSessions(io: CertchatIo, sessions: SessionService, intervalMs: number): () => void {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const byToken = new Map<string, CertchatSocket[]>();
      for (const socket of io.of("/").sockets.values()) {
        const token = socket.data.token;
        if (token === undefined) continue;
        const group = byToken.get(token);
        if (group) group.push(socket);
        else byToken.set(token, [socket]);
      }
      for (const [token, sockets] of byToken) {
        try {
          await sessions.authenticate(token, { requirePhone: true });
        } catch (error) {
          if (isDeadSession(error)) for (const socket of sockets) socket.disconnect();
        }
      }
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
