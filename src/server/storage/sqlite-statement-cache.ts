import type { Database as SqliteConnection, Statement } from "better-sqlite3";
import type { SqliteDatabase } from "kysely";
import { BoundedCache } from "../../lib/bounded-cache.ts";

/** Distinct SQL texts kept prepared; IN lists of varying length make new texts, so the cache is bounded. */
const DEFAULT_CAPACITY = 500;

/**
 * The better-sqlite3 connection as Kysely's SqliteDialect sees it, with each SQL text prepared once: Kysely
 * prepares on every query, and sqlite3_prepare cost more than running the hot statements themselves. Reusing a
 * statement is safe because the dialect runs one query at a time on its single connection and never streams
 * (an iterating statement could not be re-run meanwhile). Least recently used texts are dropped when full.
 */
export function cachingStatements(connection: SqliteConnection, capacity = DEFAULT_CAPACITY): SqliteDatabase {
  const statements = new BoundedCache<string, Statement>(capacity);
  return {
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = connection.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
    close() {
      statements.clear();
      connection.close();
    },
  };
}
