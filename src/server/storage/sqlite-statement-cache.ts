import type { Database as SqliteConnection, Statement } from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

/** Distinct SQL texts kept prepared; IN lists of varying length make new texts, so the cache is bounded. */
const DEFAULT_CAPACITY = 500;

/**
 * The better-sqlite3 connection as Kysely's SqliteDialect sees it, with each SQL text prepared once: Kysely
 * prepares on every query, and sqlite3_prepare cost more than running the hot statements themselves. Reusing a
 * statement is safe because the dialect runs one query at a time on its single connection and never streams
 * (an iterating statement could not be re-run meanwhile). Least recently used texts are dropped when full.
 */
export function cachingStatements(connection: SqliteConnection, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new Map<string, Statement>();
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql);
      } else {
        statement = connection.prepare(sql);
        if (statements.size >= capacity) {
          const oldest = statements.keys().next().value;
          if (oldest !== undefined) statements.delete(oldest);
        }
      }
      statements.set(sql, statement);
      return statement;
    },
    close() {
      statements.clear();
      connection.close();
    },
  };
}
