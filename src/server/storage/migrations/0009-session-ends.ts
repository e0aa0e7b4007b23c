import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Dialect } from "./column-types.ts";

/**
 * One counter row, raised by every change that ends sessions (sessions revoked, certificates marked revoked),
 * in the same transaction as the change. Every node reads it each second (src/server/realtime/session-end-watch.ts):
 * an ending made by another process — `certchat sessions revoke` — or node reaches its sockets at once, at
 * the cost of a one-row read when nothing happens (docs/DECISIONS.md §14).
 */
export function sessionEndsMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("session_ends")
        .addColumn("id", "integer", (col) => col.primaryKey())
        .addColumn("count", types.bigint, (col) => col.notNull())
        .execute();
      await sql`insert into session_ends (id, count) values (1, 0)`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("session_ends").execute();
    },
  };
}
