import { type Kysely, type Migration, sql } from "kysely";
import { columnTypes, type Dialect } from "./column-types.ts";

/**
 * Epoch key commitments (docs/CRYPTO.md "Epoch key commitments"): the request that begins an epoch (createChat,
 * removeMember, rotateKey) may carry a hash of the epoch's key bound to the chat and epoch, signed by the session
 * certificate that made it. Stored with the epoch row, once: nothing sets it later. Epochs begun before this
 * migration, and by clients that send none, keep null.
 */
export function epochCommitmentsMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await sql`alter table chat_key_epochs add column commitment ${types.blob} null`.execute(db);
      await sql`alter table chat_key_epochs add column commitment_sign text null`.execute(db);
      await sql`alter table chat_key_epochs add column commitment_certificate_id bigint null references certificates (id)`.execute(
        db,
      );
    },
    async down(db: Kysely<unknown>) {
      for (const column of ["commitment_certificate_id", "commitment_sign", "commitment"])
        await sql`alter table chat_key_epochs drop column ${sql.ref(column)}`.execute(db);
    },
  };
}
