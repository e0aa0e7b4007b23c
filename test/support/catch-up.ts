import pg from "pg";
import type { TestServer } from "./server.ts";
import { eventually } from "./sockets.ts";

/**
 * Makes a reconnecting client's catch-up fail: chat_members is locked, so the reconnect's subscribe cannot
 * read the membership and its ack times out (PostgreSQL only: SQLite's WAL readers cannot be held up).
 * `reconnect` lets the client back in; the lock goes once `failed()` says a failure was reported.
 */
export async function failCatchUp(
  server: TestServer,
  reconnect: () => void,
  failed: () => boolean,
): Promise<void> {
  const target = server.storageTarget;
  if (target.kind !== "postgres") throw new Error("a catch-up can be held up on PostgreSQL only");
  const locker = new pg.Client({
    connectionString: target.url,
    options: target.schema ? `-c search_path=${target.schema}` : undefined,
  });
  await locker.connect();
  try {
    await locker.query("begin");
    await locker.query("lock table chat_members in access exclusive mode");
    reconnect();
    await eventually(failed, "a failed catch-up attempt", 15_000);
    await locker.query("rollback");
  } finally {
    await locker.end();
  }
}
