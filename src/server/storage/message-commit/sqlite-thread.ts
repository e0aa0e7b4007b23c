import { workerData } from "node:worker_threads";
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from "kysely";
import { type ReportedError, reportError } from "../../workers/protocol.ts";
import { serveParent } from "../../workers/serve-parent.ts";
import { bindArguments } from "../repositories/compiled-query.ts";
import {
  messageArguments,
  messageInsertStatement,
  releaseLocalIdStatement,
} from "../repositories/messages.ts";
import type { Database } from "../schema.ts";
import { openSqliteConnection } from "../sqlite-connection.ts";
import type { MessageWrite } from "./batch-committer.ts";

/** What the SQLite writer thread is started with. */
export interface SqliteThreadSetup {
  file: string;
}

export interface CommitRequest {
  batch: MessageWrite[];
}

/** The batch committed with these ids, or the driver's error rolled it back. */
export type CommitAnswer = { committed: true; ids: number[] } | { committed: false; error: ReportedError };

/** Kysely for compiling only: the thread runs the repository's statements itself, synchronously. */
const sqliteCompiler = new Kysely<Database>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

/**
 * The SQLite writer thread: its own connection to the database file, so a commit's fsync
 * (synchronous=FULL) blocks this thread and not the server's event loop, which keeps reading through WAL.
 * One batch at a time in one IMMEDIATE transaction, with the statements the messages repository compiles.
 */
export function runSqliteWriterThread(): void {
  void serveParent<CommitRequest, CommitAnswer>(() => {
    const db = openSqliteConnection((workerData as SqliteThreadSetup).file);
    const insertStatement = messageInsertStatement(sqliteCompiler);
    const releaseStatement = releaseLocalIdStatement(sqliteCompiler);
    const insert = db.prepare<unknown[], { id: number }>(insertStatement.sql);
    const release = db.prepare(releaseStatement.sql);
    const writeAll = db.transaction((batch: MessageWrite[]) => {
      for (const { releaseLocalIdOf } of batch)
        if (releaseLocalIdOf !== undefined) release.run(bindArguments(releaseStatement, [releaseLocalIdOf]));
      return batch.map(({ row }) =>
        Number(insert.get(bindArguments(insertStatement, messageArguments(row)))?.id),
      );
    });
    return {
      answer: ({ batch }) => {
        try {
          return { committed: true, ids: writeAll.immediate(batch) };
        } catch (error) {
          return { committed: false, error: reportError(error) };
        }
      },
      close: () => db.close(),
    };
  });
}
