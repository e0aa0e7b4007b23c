import { backends } from "../../test/support/server.ts";
import { createDatabase, testDatabaseUrl } from "../../test/support/storage.ts";

/** A fresh PostgreSQL database for a spawned server; `drop` removes it (even with clients still connected). */
export type PostgresDatabase = Awaited<ReturnType<typeof createDatabase>>;

/**
 * A new empty database on the test PostgreSQL server, or undefined when that server is unreachable (the
 * storage suites' rule: under CI=true it must be reachable).
 */
export async function createPostgresDatabase(prefix: string): Promise<PostgresDatabase | undefined> {
  if (backends.find((backend) => backend.name === "postgres")?.skip !== false) return undefined;
  return createDatabase(testDatabaseUrl, prefix);
}
