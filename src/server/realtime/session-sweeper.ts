import type { SessionService } from "../services/sessions.ts";
import { isDeadSession } from "./authentication.ts";
import type { CertchatIo, CertchatSocket } from "./context.ts";

/**
 * Disconnects this node's sockets whose session expired or was removed, checking every distinct token once
 * per interval in a query per 500 tokens (not per event, nor per socket). A round that fails (database
 * unreachable) leaves the sockets alone until the next one. Returns a stop function.
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
      const refused = await sessions.refusals([...byToken.keys()], { requirePhone: true });
      for (const [token, error] of refused) {
        if (isDeadSession(error)) for (const socket of byToken.get(token) ?? []) socket.disconnect();
      }
    } catch {
      // The database is unreachable: the sockets stay until a round that can check them.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
