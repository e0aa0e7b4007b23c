import type { Storage } from "../../storage/database.ts";
import { type LoginCommitter, PostgresLoginCommitter } from "./login-committer.ts";
import { SqliteLoginCommitter } from "./sqlite-login-committer.ts";

/**
 * The committer of login writes for this storage: SQLite groups them on a thread of their own (better-sqlite3
 * would block the event loop for each fsync), PostgreSQL runs them on the pool.
 */
export async function startLoginCommitter(storage: Storage): Promise<LoginCommitter> {
  if (storage.dialect === "postgres") return new PostgresLoginCommitter(storage.db);
  if (!storage.file) throw new Error("a SQLite storage without a database file");
  const committer = new SqliteLoginCommitter(storage.file);
  await committer.start();
  return committer;
}
