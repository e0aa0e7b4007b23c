import { setTimeout as delay } from "node:timers/promises";

/** How often a batch of connections is closed. */
const TICK_MS = 100;
/**
 * The spread's longest: past it the rate goes up. Shutdown must end within the CLI's 20 s (plus the drain delay)
 * and deploy/certchat.service's TimeoutStopSec=30s, and events already received take up to 5 s of that first.
 */
const MAX_SPREAD_MS = 10_000;

/** What closeSpread closes: an Engine.IO connection (closing one already closed does nothing). */
export interface Closable {
  close(): void;
}

/**
 * Closes `connections` at most `perSecond` a second (more where that would take over MAX_SPREAD_MS), a batch every
 * TICK_MS (all at once for 0). A node that shuts down closed all its sockets in one turn: every client came back
 * within the same second, and the node taking them over (after a restart, the one node left behind the load balancer) had its accept queue overflow and left
 * connections waiting past their clients' timeouts (docs/DECISIONS.md §25). Spread, they arrive about as fast as
 * a node sets them up.
 */
export async function closeSpread(
  connections: Iterable<Closable>,
  perSecond: number,
  maxSpreadMs = MAX_SPREAD_MS,
): Promise<void> {
  const all = [...connections];
  const ticks = Math.max(1, Math.floor(maxSpreadMs / TICK_MS));
  const perTick =
    perSecond > 0
      ? Math.max(1, Math.ceil((perSecond * TICK_MS) / 1000), Math.ceil(all.length / ticks))
      : all.length;
  for (let start = 0; start < all.length; start += perTick) {
    if (start > 0) await delay(TICK_MS);
    for (const connection of all.slice(start, start + perTick)) connection.close();
  }
}
