import type { Logger } from "pino";
import type { Executor } from "../storage/repositories/executor.ts";
import { deleteEndedSessions } from "../storage/repositories/sessions.ts";
import type { Clock } from "./clock.ts";
import type { SessionLifetime } from "./sessions.ts";

/** How long an ended session is kept, so that its token is answered with why it ended rather than as unknown. */
export const ENDED_SESSION_RETENTION_MS = 24 * 3_600_000;

/**
 * Deletes ended sessions every `intervalMs` (otherwise the table grows with every login, abandoned ones
 * included). A failed round is logged and retried at the next. Returns a stop function.
 */
export function startSessionCleanup(options: {
  db: Executor;
  clock: Clock;
  lifetime: SessionLifetime;
  logger: Logger;
  intervalMs: number;
}): () => void {
  const { db, clock, lifetime, logger } = options;
  const clean = async () => {
    try {
      const deleted = await deleteEndedSessions(db, {
        now: clock(),
        idleMs: lifetime.idleMs,
        maxAgeMs: lifetime.maxAgeMs,
        retentionMs: ENDED_SESSION_RETENTION_MS,
      });
      if (deleted > 0) logger.info({ deleted }, "ended sessions deleted");
    } catch (error) {
      logger.error({ err: error }, "deleting ended sessions failed; retried at the next round");
    }
  };
  const timer = setInterval(() => void clean(), options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
