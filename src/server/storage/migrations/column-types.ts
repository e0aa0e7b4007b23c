import { type ColumnDefinitionBuilder, type CreateTableBuilder, sql } from "kysely";

export type Dialect = "sqlite" | "postgres";

/** The few column types that differ between SQLite and PostgreSQL; everything else is written once. */
export function columnTypes(dialect: Dialect) {
  return {
    blob: dialect === "postgres" ? sql`bytea` : sql`blob`,
    /** Unix milliseconds and counters that may pass 2^31. */
    bigint: sql`bigint`,
  };
}

/** An auto-incrementing primary key: INTEGER PRIMARY KEY AUTOINCREMENT on SQLite, BIGSERIAL on PostgreSQL. */
export function withId<T extends string>(
  dialect: Dialect,
  table: CreateTableBuilder<T, never>,
): CreateTableBuilder<T, "id"> {
  return dialect === "postgres"
    ? table.addColumn("id", "bigserial", (col: ColumnDefinitionBuilder) => col.primaryKey())
    : table.addColumn("id", "integer", (col: ColumnDefinitionBuilder) => col.primaryKey().autoIncrement());
}
