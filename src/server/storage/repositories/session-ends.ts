import { compiledOnce } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";

/**
 * Counts a change that ended sessions. Call it in the transaction of the change: a node that sees the new
 * count then sees the change too (migration 0009, src/server/realtime/session-end-watch.ts).
 */
export async function countSessionsEnded(db: Executor): Promise<void> {
  await db
    .updateTable("session_ends")
    .set((eb) => ({ count: eb("count", "+", 1) }))
    .where("id", "=", 1)
    .execute();
}

const countRead = compiledOnce(
  (db: Executor) => db.selectFrom("session_ends").select("count").where("id", "=", 1),
  0,
);

/** How many changes have ended sessions so far: each node reads it every second (compiled once). */
export async function sessionsEndedCount(db: Executor): Promise<number> {
  const [row] = await countRead(db);
  return row?.count ?? 0;
}
