import { parentPort, workerData } from "node:worker_threads";
import SqliteDatabase from "better-sqlite3";
import type { MessageWrite } from "./batch-committer.ts";
import type {
  CommitRequest,
  ThreadMessage,
  ThreadOutcome,
  WriterThreadSetup,
} from "./sqlite-thread-protocol.ts";

const INSERT = `insert into "messages" ("chat_id", "profile_id", "certificate_id", "session_id", "local_id",
  "data", "sign", "cms", "type", "file_id", "file_size", "created_at")
  values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning "id"`;
const RELEASE = `update "messages" set "local_id" = null where "id" = ?`;

function outcomeOf(error: unknown): ThreadOutcome {
  const code = (error as { code?: unknown }).code;
  return {
    ok: false,
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === "string" ? { code } : {}),
  };
}

/**
 * The SQLite writer thread: its own connection to the database file, so a commit's fsync
 * (synchronous=FULL) blocks this thread and not the server's event loop, which keeps reading through WAL.
 * One batch at a time in one IMMEDIATE transaction; a failed batch is retried one write per transaction.
 */
export function runSqliteWriterThread(): void {
  const port = parentPort;
  if (!port) throw new Error("the SQLite writer runs as a worker thread");
  const post = (message: ThreadMessage) => port.postMessage(message);
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase((workerData as WriterThreadSetup).file);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    db.pragma("busy_timeout = 5000");
  } catch (error) {
    post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
    return;
  }
  const insert = db.prepare<unknown[], { id: number }>(INSERT);
  const release = db.prepare(RELEASE);
  const writeAll = db.transaction((batch: MessageWrite[]) => {
    for (const { releaseLocalIdOf } of batch)
      if (releaseLocalIdOf !== undefined) release.run(releaseLocalIdOf);
    return batch.map(({ row }) => {
      const inserted = insert.get(
        row.chat_id,
        row.profile_id,
        row.certificate_id,
        row.session_id,
        row.local_id ?? null,
        row.data,
        row.sign ?? null,
        row.cms ?? null,
        row.type,
        row.file_id ?? null,
        row.file_size ?? null,
        row.created_at,
      );
      return Number(inserted?.id);
    });
  });
  const commit = (batch: MessageWrite[]): ThreadOutcome[] => {
    try {
      return writeAll.immediate(batch).map((id) => ({ ok: true, id }));
    } catch (error) {
      if (batch.length === 1) return [outcomeOf(error)];
    }
    return batch.map((one) => {
      try {
        return { ok: true, id: writeAll.immediate([one])[0] as number };
      } catch (error) {
        return outcomeOf(error);
      }
    });
  };
  port.on("message", (request: CommitRequest | "close") => {
    if (request === "close") {
      db.close();
      port.close();
      return;
    }
    post({ type: "committed", id: request.id, outcomes: commit(request.batch) });
  });
  post({ type: "ready" });
}
