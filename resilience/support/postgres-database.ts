import pg from "pg";
import { backends } from "../../test/support/server.ts";
import { testDatabaseUrl } from "../../test/support/storage.ts";

/** A fresh PostgreSQL database for a spawned server; `drop` removes it (even with clients still connected). */
export interface PostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A new empty database on the test PostgreSQL server, or undefined when that server is unreachable (the
 * storage suites' rule: under CI=true it must be reachable).
 */
export async function createPostgresDatabase(prefix: string): Promise<PostgresDatabase | undefined> {
  if (backends.find((backend) => backend.name === "postgres")?.skip !== false) return undefined;
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(`create database ${name}`);
  return {
    url: Object.assign(new URL(testDatabaseUrl), { pathname: `/${name}` }).toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}
