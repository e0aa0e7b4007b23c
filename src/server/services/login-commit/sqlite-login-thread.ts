import { workerData } from "node:worker_threads";
import { CompiledQuery, Kysely, SqliteDialect } from "kysely";
import type { Executor } from "../../storage/repositories/executor.ts";
import { dropNonce } from "../../storage/repositories/sessions.ts";
import type { Database } from "../../storage/schema.ts";
import { openSqliteConnection } from "../../storage/sqlite-connection.ts";
import { cachingStatements } from "../../storage/sqlite-statement-cache.ts";
import { type ReportedError, reportError } from "../../workers/protocol.ts";
import { serveParent } from "../../workers/serve-parent.ts";
import {
  confirmOpenedSession,
  openSession,
  type SessionConfirmation,
  type SessionOpening,
} from "./login-transactions.ts";

/** What the SQLite login thread is started with. */
export interface SqliteLoginThreadSetup {
  file: string;
}

/** One login write of a batch. */
export type LoginWrite =
  | { kind: "open"; opening: SessionOpening }
  | { kind: "confirm"; confirmation: SessionConfirmation }
  | { kind: "drop-nonce"; sessionId: number };

/** What became of one write: its result, or the error its savepoint was rolled back for. */
export type LoginWriteOutcome = { ok: true; confirmed?: boolean } | { ok: false; error: ReportedError };

export interface LoginBatchRequest {
  writes: LoginWrite[];
}

/** The transaction's own statements, compiled once. */
const BEGIN = CompiledQuery.raw("begin immediate");
const COMMIT = CompiledQuery.raw("commit");
const ROLLBACK = CompiledQuery.raw("rollback");
const SAVEPOINT = CompiledQuery.raw("savepoint login_write");
const ROLLBACK_TO_SAVEPOINT = CompiledQuery.raw("rollback to login_write");
const RELEASE = CompiledQuery.raw("release login_write");

async function run(conn: Executor, write: LoginWrite): Promise<LoginWriteOutcome> {
  switch (write.kind) {
    case "open":
      await openSession(conn, write.opening);
      return { ok: true };
    case "confirm":
      return { ok: true, confirmed: await confirmOpenedSession(conn, write.confirmation) };
    case "drop-nonce":
      await dropNonce(conn, write.sessionId);
      return { ok: true };
  }
}

/**
 * The SQLite login thread: its own connection to the database file, so the fsync of a login's commit
 * (synchronous=FULL) blocks this thread and not the server's event loop. A batch of login writes runs in one
 * IMMEDIATE transaction (one fsync for all), each write inside a savepoint of its own, so a write that fails
 * is undone alone. The writes run the same Kysely transaction bodies as on PostgreSQL.
 */
export function runSqliteLoginThread(): void {
  void serveParent<LoginBatchRequest, LoginWriteOutcome[]>(() => {
    const connection = openSqliteConnection((workerData as SqliteLoginThreadSetup).file);
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: cachingStatements(connection) }),
    });
    return {
      answer: ({ writes }) =>
        db.connection().execute(async (conn) => {
          await conn.executeQuery(BEGIN);
          try {
            const outcomes: LoginWriteOutcome[] = [];
            for (const write of writes) {
              await conn.executeQuery(SAVEPOINT);
              try {
                outcomes.push(await run(conn, write));
              } catch (error) {
                await conn.executeQuery(ROLLBACK_TO_SAVEPOINT);
                outcomes.push({ ok: false, error: reportError(error) });
              }
              await conn.executeQuery(RELEASE);
            }
            await conn.executeQuery(COMMIT);
            return outcomes;
          } catch (error) {
            if (connection.inTransaction) await conn.executeQuery(ROLLBACK);
            throw error;
          }
        }),
      close: () => connection.close(),
    };
  });
}
