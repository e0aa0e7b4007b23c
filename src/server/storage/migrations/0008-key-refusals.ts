import type { Kysely, Migration } from "kysely";
import { columnTypes, type Dialect } from "./column-types.ts";

/**
 * Key rows their recipient refused (`refuseKeys`, docs/CRYPTO.md "Refused key rows"): the row did not unwrap or
 * its signature did not verify. The row itself is deleted and its certificate waits again; this table remembers
 * which wrapping certificate failed it, so that the same wrapper cannot take the slot again with another bad
 * row and an honest member's row can. One row per (chat, epoch, recipient, wrapper): each member gets one try
 * per recipient and epoch.
 */
export function keyRefusalsMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("chat_key_refusals")
        .addColumn("chat_id", "text", (col) => col.notNull().references("chats.id"))
        .addColumn("key_id", types.bigint, (col) => col.notNull())
        .addColumn("certificate_id", types.bigint, (col) => col.notNull().references("certificates.id"))
        .addColumn("wrapped_by_certificate_id", types.bigint, (col) =>
          col.notNull().references("certificates.id"),
        )
        .addColumn("refused_at", types.bigint, (col) => col.notNull())
        .addPrimaryKeyConstraint("chat_key_refusals_pk", [
          "chat_id",
          "key_id",
          "certificate_id",
          "wrapped_by_certificate_id",
        ])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("chat_key_refusals").execute();
    },
  };
}
