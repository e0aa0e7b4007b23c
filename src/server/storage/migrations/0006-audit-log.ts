import type { Kysely, Migration } from "kysely";
import { sql } from "kysely";
import { columnTypes, type Dialect, withId } from "./column-types.ts";

/**
 * The append-only audit log. Rows are never updated or deleted: a trigger on each backend refuses both, so a
 * mistake in code (or a hand-typed statement) cannot rewrite history. No foreign keys: an event outlives
 * whatever it names, and a chat id or profile id of a later event type needs no change here.
 */
export function auditLogMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await withId(dialect, db.schema.createTable("audit_events"))
        .addColumn("at", types.bigint, (col) => col.notNull())
        .addColumn("type", "text", (col) => col.notNull())
        .addColumn("actor", "text", (col) => col.notNull())
        .addColumn("profile_id", types.bigint)
        .addColumn("certificate_id", types.bigint)
        .addColumn("session_id", types.bigint)
        .addColumn("chat_id", "text")
        .addColumn("details", "text")
        .execute();
      await db.schema.createIndex("audit_events_at").on("audit_events").columns(["at", "id"]).execute();
      await db.schema
        .createIndex("audit_events_profile_id")
        .on("audit_events")
        .columns(["profile_id", "id"])
        .execute();
      if (dialect === "sqlite") {
        for (const operation of ["update", "delete"]) {
          await sql
            .raw(
              `create trigger audit_events_no_${operation} before ${operation} on audit_events ` +
                `begin select raise(abort, 'audit_events is append-only'); end`,
            )
            .execute(db);
        }
      } else {
        await sql`create function audit_events_append_only() returns trigger language plpgsql as $$
          begin raise exception 'audit_events is append-only'; end $$`.execute(db);
        await sql`create trigger audit_events_no_change before update or delete on audit_events
          for each statement execute function audit_events_append_only()`.execute(db);
      }
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("audit_events").execute();
      if (dialect === "postgres") await sql`drop function audit_events_append_only()`.execute(db);
    },
  };
}
