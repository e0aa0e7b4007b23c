import type { Kysely, Migration } from "kysely";
import { sql } from "kysely";
import { columnTypes, type Dialect, withId } from "./column-types.ts";

/** Chats, their members, the wrapped chat keys and the messages (docs/DECISIONS.md §6). */
export function chatsMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("chats")
        .addColumn("id", "text", (col) => col.primaryKey())
        .addColumn("type", "integer", (col) => col.notNull())
        .addColumn("name", "text")
        .addColumn("owner_profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        // "<smaller pid>:<larger pid>" for personal chats, null otherwise: one personal chat per pair.
        .addColumn("pair_key", "text", (col) => col.unique())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();

      await db.schema
        .createTable("chat_members")
        .addColumn("chat_id", "text", (col) => col.notNull().references("chats.id"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("role", "integer", (col) => col.notNull())
        .addColumn("joined_at", types.bigint, (col) => col.notNull())
        .addPrimaryKeyConstraint("chat_members_pk", ["chat_id", "profile_id"])
        .execute();
      // The chat list of a profile.
      await db.schema
        .createIndex("chat_members_profile_id")
        .on("chat_members")
        .columns(["profile_id", "chat_id"])
        .execute();

      await withId(dialect, db.schema.createTable("chat_keys"))
        .addColumn("chat_id", "text", (col) => col.notNull().references("chats.id"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("certificate_id", types.bigint, (col) => col.notNull().references("certificates.id"))
        .addColumn("wrapped_by_certificate_id", types.bigint, (col) =>
          col.notNull().references("certificates.id"),
        )
        .addColumn("wrapped_key", types.blob, (col) => col.notNull())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .addUniqueConstraint("chat_keys_chat_certificate", ["chat_id", "certificate_id"])
        .execute();

      await withId(dialect, db.schema.createTable("messages"))
        .addColumn("chat_id", "text", (col) => col.notNull().references("chats.id"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("certificate_id", types.bigint, (col) => col.notNull().references("certificates.id"))
        .addColumn("session_id", types.bigint, (col) => col.notNull().references("sessions.id"))
        .addColumn("local_id", "text")
        .addColumn("data", "text", (col) => col.notNull())
        .addColumn("sign", "text")
        .addColumn("cms", "text")
        .addColumn("type", "text", (col) => col.notNull())
        .addColumn("file_id", "text", (col) => col.unique())
        .addColumn("file_size", types.bigint)
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();
      // History pages are keyset ranges on (chat_id, id); the partial twin serves the file filter.
      await db.schema.createIndex("messages_chat_id_id").on("messages").columns(["chat_id", "id"]).execute();
      await db.schema
        .createIndex("messages_chat_id_id_files")
        .on("messages")
        .columns(["chat_id", "id"])
        .where(sql.ref("file_id"), "is not", null)
        .execute();
      // Retries of one send (docs/DECISIONS.md §3); a localId older than 24 h is released before it is reused.
      await db.schema
        .createIndex("messages_local_id")
        .on("messages")
        .columns(["session_id", "chat_id", "local_id"])
        .unique()
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of ["messages", "chat_keys", "chat_members", "chats"]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
