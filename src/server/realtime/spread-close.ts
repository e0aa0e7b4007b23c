import { setTimeout as delay } from "node:timers/promises";

/** How often a batch of connections is closed. */
const TICK_MS = 100;

/** What closeSpread closes: an Engine.IO connection (closing one already closed does nothing). */
export interface Closable {
  close(): void;
}

/**
 * Closes `connections` at most `perSecond` a second, a batch every TICK_MS (all at once for 0). A node that shuts
 * down closed all its sockets in one turn: every client came back within the same second, and the node taking
 * them over (after a restart, the one node left behind the load balancer) had its accept queue overflow and left
 * connections waiting past their clients' timeouts (docs/DECISIONS.md §25). Spread, they arrive about as fast as
 * a node sets them up.
 */
export async function closeSpread(connections: Iterable<Closable>, perSecond: number): Promise<void> {
  const all = [...connections];
  const perTick = perSecond > 0 ? Math.max(1, Math.ceil((perSecond * TICK_MS) / 1000)) : all.length;
  for (let start = 0; start < all.length; start += perTick) {
    if (start > 0) await delay(TICK_MS);
    for (const connection of all.slice(start, start + perTick)) connection.close();
  }
}
