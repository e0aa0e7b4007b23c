import type { Kysely, Migration } from "kysely";
import { columnTypes, type Dialect } from "./column-types.ts";

/**
 * Certificates waiting to join an existing profile (docs/DECISIONS.md §4): until an SMS code sent to that profile's phone
 * is entered, such a certificate belongs to a placeholder profile of its own and the claim records the profile
 * it will join.
 */
export function profileBindingMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("certificate_claims")
        .addColumn("certificate_id", types.bigint, (col) => col.primaryKey().references("certificates.id"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable("certificate_claims").execute();
    },
  };
}
