import type { Kysely, Migration } from "kysely";
import { columnTypes, type Dialect, withId } from "./column-types.ts";

/** Users, profiles, certificates, sessions, SMS codes and the billing ledger. */
export function identityMigration(dialect: Dialect): Migration {
  const types = columnTypes(dialect);
  return {
    async up(db: Kysely<unknown>) {
      await withId(dialect, db.schema.createTable("users"))
        .addColumn("phone", "text", (col) => col.notNull().unique())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();

      await withId(dialect, db.schema.createTable("profiles"))
        .addColumn("profile_key", "text", (col) => col.notNull().unique())
        .addColumn("user_id", types.bigint, (col) => col.references("users.id"))
        .addColumn("type", "integer", (col) => col.notNull())
        .addColumn("name", "text", (col) => col.notNull())
        .addColumn("company", "text")
        .addColumn("title", "text")
        .addColumn("inn", "text")
        .addColumn("ogrn", "text")
        .addColumn("snils", "text")
        .addColumn("photo", "text")
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();
      await db.schema.createIndex("profiles_user_id").on("profiles").column("user_id").execute();

      await withId(dialect, db.schema.createTable("certificates"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("fingerprint", "text", (col) => col.notNull().unique())
        .addColumn("der", types.blob, (col) => col.notNull())
        .addColumn("subject_dn", "text", (col) => col.notNull())
        .addColumn("issuer_dn", "text", (col) => col.notNull())
        .addColumn("serial", "text", (col) => col.notNull())
        .addColumn("not_before", types.bigint, (col) => col.notNull())
        .addColumn("not_after", types.bigint, (col) => col.notNull())
        .addColumn("key_algorithm", "text", (col) => col.notNull())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("certificates_profile_id")
        .on("certificates")
        .column("profile_id")
        .execute();

      await withId(dialect, db.schema.createTable("sessions"))
        .addColumn("token", "text", (col) => col.notNull().unique())
        .addColumn("certificate_id", types.bigint, (col) => col.notNull().references("certificates.id"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("nonce", types.blob)
        .addColumn("nonce_expires_at", types.bigint, (col) => col.notNull())
        .addColumn("confirmed", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .addColumn("last_seen_at", types.bigint, (col) => col.notNull())
        .addColumn("client_address", "text", (col) => col.notNull())
        .execute();
      await db.schema.createIndex("sessions_profile_id").on("sessions").column("profile_id").execute();

      await withId(dialect, db.schema.createTable("phone_codes"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("phone", "text", (col) => col.notNull())
        .addColumn("code", "text", (col) => col.notNull())
        .addColumn("attempts", "integer", (col) => col.notNull().defaultTo(0))
        .addColumn("expires_at", types.bigint, (col) => col.notNull())
        .addColumn("confirmed_at", types.bigint)
        .addColumn("client_address", "text", (col) => col.notNull())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();
      // Resend limits count recent codes per phone and per client address.
      await db.schema
        .createIndex("phone_codes_phone")
        .on("phone_codes")
        .columns(["phone", "created_at"])
        .execute();
      await db.schema
        .createIndex("phone_codes_address")
        .on("phone_codes")
        .columns(["client_address", "created_at"])
        .execute();

      await withId(dialect, db.schema.createTable("billing_entries"))
        .addColumn("profile_id", types.bigint, (col) => col.notNull().references("profiles.id"))
        .addColumn("amount_minor", types.bigint, (col) => col.notNull())
        .addColumn("reason", "text", (col) => col.notNull())
        .addColumn("created_at", types.bigint, (col) => col.notNull())
        .execute();
      await db.schema
        .createIndex("billing_entries_profile_id")
        .on("billing_entries")
        .column("profile_id")
        .execute();
    },
    async down(db: Kysely<unknown>) {
      for (const table of [
        "billing_entries",
        "phone_codes",
        "sessions",
        "certificates",
        "profiles",
        "users",
      ]) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
