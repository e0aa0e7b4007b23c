import type { Storage } from "../database.ts";
import type { BatchCommitter } from "./batch-committer.ts";
import { PostgresCommitter } from "./postgres-committer.ts";
import { SqliteCommitter } from "./sqlite-committer.ts";

/**
 * The committer of message batches for this storage: SQLite commits on a writer thread (better-sqlite3
 * would block the event loop for each fsync), PostgreSQL through the pool.
 */
export async function startMessageCommitter(storage: Storage): Promise<BatchCommitter> {
  if (storage.dialect === "postgres") return new PostgresCommitter(storage.db);
  if (!storage.file) throw new Error("a SQLite storage without a database file");
  const committer = new SqliteCommitter(storage.file);
  await committer.start();
  return committer;
}
