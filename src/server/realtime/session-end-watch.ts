import type { Logger } from "pino";

export interface SessionEndWatchOptions {
  /** The database's count of session endings (src/server/storage/repositories/session-ends.ts). */
  count(): Promise<number>;
  /** Called when the count moved since the last read: check this node's sockets now. */
  onEnded(): void;
  intervalMs: number;
  logger: Logger;
}

/**
 * Reads the count of session endings every `intervalMs` and calls `onEnded` when it moved: how sessions ended
 * by another process (`certchat sessions revoke` writes the database directly) or by a node Redis could not
 * reach disconnect this node's sockets within about a second instead of at the minute's sweep. One primary-key
 * read per interval when nothing happens. A failed read (database unreachable) is logged once per outage; the
 * first read after one counts as a change, as endings may have been missed.
 */
export function watchSessionEnds(options: SessionEndWatchOptions): { stop(): void } {
  let seen: number | undefined;
  let started = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const poll = async () => {
    try {
      const count = await options.count();
      if (started && count !== seen) options.onEnded();
      seen = count;
      failing = false;
    } catch (error) {
      if (!failing) options.logger.warn({ err: error }, "could not read the count of session endings");
      failing = true;
      seen = undefined;
    }
    started = true;
    if (stopped) return;
    timer = setTimeout(() => void poll(), options.intervalMs);
    timer.unref();
  };
  void poll();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
