import type { Kysely, Migration } from "kysely";
import { columnTypes, type Dialect } from "./column-types.ts";

/**
 * When a certificate was found on a CRL (null: never). Sessions of a revoked certificate end at once, on every
 * node, whatever a node's own CRL copy says (issue 11, item 3).
 */
export function sessionLifetimeMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("certificates").addColumn("revoked_at", types.bigint).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable("certificates").dropColumn("revoked_at").execute();
    },
  };
}
