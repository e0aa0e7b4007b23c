import type { Storage } from "../database.ts";
import type { BatchCommitter } from "./batch-committer.ts";
import type { PostgresCommitterOptions } from "./postgres-committer.ts";
import { SqliteCommitter } from "./sqlite-committer.ts";

/**
 * The committer of message batches for this storage: SQLite commits on a writer thread (better-sqlite3
 * would block the event loop for each fsync), PostgreSQL through the pool (`postgres`: how it resolves a commit
 * whose answer was lost; SQLite runs in-process and always learns its outcome).
 */
export async function startMessageCommitter(
  storage: Storage,
  postgres: PostgresCommitterOptions = {},
): Promise<BatchCommitter> {
  if (storage.dialect === "postgres") {
    if (!storage.pool) throw new Error("a PostgreSQL storage without its pool");
    // Imported here: a SQLite node does not load pg.
    const { PostgresCommitter } = await import("./postgres-committer.ts");
    return new PostgresCommitter(storage.db, storage.pool, postgres);
  }
  if (!storage.file) throw new Error("a SQLite storage without a database file");
  const committer = new SqliteCommitter(storage.file);
  await committer.start();
  return committer;
}
