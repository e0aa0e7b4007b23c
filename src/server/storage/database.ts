import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from "kysely";
import type pg from "pg";
import type { Dialect } from "./migrations/column-types.ts";
import { migrationProvider } from "./migrations/index.ts";
import type { Database } from "./schema.ts";
import { openSqliteConnection } from "./sqlite-connection.ts";
import { cachingStatements } from "./sqlite-statement-cache.ts";

export type StorageTarget =
  | { kind: "sqlite"; file: string }
  /** `schema` puts every table in that PostgreSQL schema (tests use one fresh schema per run). */
  | { kind: "postgres"; url: string; schema?: string };

export interface Storage {
  db: Kysely<Database>;
  dialect: Dialect;
  /** A one-line description for the start-up banner, without credentials. */
  description: string;
  /** The SQLite database file (a writer thread opens it too). */
  file?: string;
  /** The PostgreSQL schema holding every table, when not the default one. */
  schema?: string;
  /** PostgreSQL: the pool behind `db`, for a caller that must know the connection its statement ran on. */
  pool?: pg.Pool;
  /**
   * `select 1` for readiness checks. PostgreSQL: on a connection of its own, so that a node whose pool has a
   * queue of requests (a reconnect storm) is not reported unreachable while the database answers at once —
   * a load balancer would take the busy node out and send everyone elsewhere (docs/DECISIONS.md §20).
   */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const INT8_OID = 20;
/** The probe's connect and answer time: below readiness.ts's 3 s, so the next check finds a fresh connection. */
const PROBE_TIMEOUT_MS = 2_500;

/**
 * pg is loaded on the first PostgreSQL storage opened, not with this module: a SQLite node does not pay its
 * import at start-up (docs/PERFORMANCE.md, "Node start time"). `require`, as openStorage is synchronous.
 */
function loadPg(): typeof pg {
  return createRequire(import.meta.url)("pg") as typeof pg;
}

/** The embedded default: `certchat.sqlite` in the data directory, unless a PostgreSQL URL is configured. */
export function storageTarget(dataDir: string, databaseUrl?: string): StorageTarget {
  return databaseUrl
    ? { kind: "postgres", url: databaseUrl }
    : { kind: "sqlite", file: join(dataDir, "certchat.sqlite") };
}

export interface StorageOptions {
  /**
   * Told of every error a PostgreSQL connection emits on its own (the server restarted or failed over, the
   * network dropped it): the query in flight, if any, fails anyway; this is for the operator's log.
   */
  onConnectionError?: (error: Error) => void;
}

export function openStorage(target: StorageTarget, options: StorageOptions = {}): Storage {
  if (target.kind === "sqlite") {
    mkdirSync(join(target.file, ".."), { recursive: true });
    const sqlite = openSqliteConnection(target.file);
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite) }) });
    return {
      db,
      dialect: "sqlite",
      description: `SQLite ${target.file}`,
      file: target.file,
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }
  const pg = loadPg();
  const connection = {
    connectionString: target.url,
    options: target.schema ? `-c search_path=${target.schema}` : undefined,
    // Ids and millisecond timestamps are BIGINT; they stay far below 2^53, so plain numbers are exact.
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
  const pool = new pg.Pool(connection);
  // One connection; a connect or an answer that takes longer than a readiness check waits fails and the
  // connection is dropped (pg-pool destroys a client released with an error): else one whose answer was lost
  // (a failed-over host, a dropped NAT entry) held the probe for good, every later probe queued behind it.
  const probe = new pg.Pool({
    ...connection,
    max: 1,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    query_timeout: PROBE_TIMEOUT_MS,
  });
  // A client losing its connection (database restart) emits "error", which must not crash the process. The
  // pool listens only while a client is idle; a checked-out client's query fails with the error anyway, and
  // the pool drops the dead client when it is released. So every client gets a listener of its own; a
  // client's error reaches the pool's listener too while it is idle, so only the client's own one reports.
  const report = options.onConnectionError ?? (() => {});
  for (const each of [pool, probe]) {
    each.on("error", () => {});
    each.on("connect", (client) => client.on("error", report));
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    description: `PostgreSQL ${redactUrl(target.url)}${target.schema ? ` schema ${target.schema}` : ""}`,
    schema: target.schema,
    pool,
    ping: async () => {
      await probe.query("select 1");
    },
    close: async () => {
      await probe.end();
      await db.destroy();
    },
  };
}

function redactUrl(text: string): string {
  const url = new URL(text);
  if (url.password) url.password = "***";
  return url.toString();
}

/** Applies every pending migration; returns the names applied now. */
export async function migrateToLatest(storage: Storage): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in any schema unless told which one: name it, or a second
  // certchat schema in the same database would make this one skip creating them.
  const migrator = new Migrator({
    db: storage.db,
    provider: migrationProvider(storage.dialect),
    migrationTableSchema: storage.schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? [])
    .filter((result) => result.status === "Success")
    .map((result) => result.migrationName);
}
