import type { Storage } from "../database.ts";
import type { BatchCommitter } from "./batch-committer.ts";
import { TransactionCommitter } from "./postgres-committer.ts";
import { SqliteThreadCommitter } from "./sqlite-committer.ts";

/**
 * The committer of message batches for this storage: SQLite commits on a writer thread (better-sqlite3
 * would block the event loop for each fsync), PostgreSQL through the pool.
 */
export async function startMessageCommitter(storage: Storage): Promise<BatchCommitter> {
  if (storage.dialect === "postgres") return new TransactionCommitter(storage.db);
  if (!storage.file) throw new Error("a SQLite storage without a database file");
  const committer = new SqliteThreadCommitter(storage.file);
  await committer.start();
  return committer;
}
