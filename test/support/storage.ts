import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import {
  migrateToLatest,
  openStorage,
  type Storage,
  type StorageTarget,
} from "../../src/server/storage/database.ts";

/** Where the PostgreSQL suites run; this machine's server trusts local connections. */
export const testDatabaseUrl =
  process.env.CERTCHAT_TEST_DATABASE_URL ?? "postgres://root@127.0.0.1:5432/test";

async function postgresReachable(): Promise<boolean> {
  // The timer runs while the rest of the test file's imports still compile: on a loaded machine that alone
  // took over 2 s, and PostgreSQL counted as unreachable.
  const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 15_000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

const reachable = await postgresReachable();
if (!reachable && process.env.CI === "true") {
  throw new Error(`PostgreSQL is required under CI=true but unreachable at ${testDatabaseUrl}`);
}

/** A migrated, empty database of one backend, removed again by `dispose`. */
export interface TestStorage {
  storage: Storage;
  target: StorageTarget;
  dispose(): Promise<void>;
}

export interface Backend {
  name: "sqlite" | "postgres";
  /** A reason to skip this backend's suites, or false. */
  skip: string | false;
  create(): Promise<TestStorage>;
}

/** Opens and migrates `target`; `dispose` closes it and then runs `removeData`. */
async function migrated(target: StorageTarget, removeData: () => Promise<void>): Promise<TestStorage> {
  const storage = openStorage(target);
  await migrateToLatest(storage);
  return {
    storage,
    target,
    async dispose() {
      await storage.close();
      await removeData();
    },
  };
}

async function createSqlite(): Promise<TestStorage> {
  const dir = mkdtempSync(join(tmpdir(), "certchat-sqlite-"));
  return migrated({ kind: "sqlite", file: join(dir, "certchat.sqlite") }, async () =>
    rmSync(dir, { recursive: true, force: true }),
  );
}

/** Runs one statement on its own connection (CREATE/DROP DATABASE cannot run in a pool's transaction). */
export async function adminQuery(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh database on the cluster of `adminUrl`; `drop` removes it (forcing out any session left). */
export async function createDatabase(
  adminUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(adminUrl, `create database ${name}`);
  return {
    url: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString(),
    drop: () => adminQuery(adminUrl, `drop database if exists ${name} with (force)`),
  };
}

/** Each PostgreSQL test database is a fresh schema, so parallel runs never see each other's rows. */
async function createPostgres(): Promise<TestStorage> {
  const schema = `certchat_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(testDatabaseUrl, `create schema ${schema}`);
  return migrated({ kind: "postgres", url: testDatabaseUrl, schema }, () =>
    adminQuery(testDatabaseUrl, `drop schema ${schema} cascade`),
  );
}

export const backends: Backend[] = [
  { name: "sqlite", skip: false, create: createSqlite },
  {
    name: "postgres",
    skip: reachable ? false : `PostgreSQL unreachable at ${testDatabaseUrl}`,
    create: createPostgres,
  },
];

/**
 * The storage contract: `body` declares its tests once and they run on every backend, each backend with its
 * own fresh database shared by the tests of that suite (so tests use distinct keys). `target` opens a second
 * connection to that database.
 */
export function describeEachBackend(
  title: string,
  body: (storage: () => Storage, target: () => StorageTarget) => void,
): void {
  for (const backend of backends) {
    describe(`${title} [${backend.name}]`, { skip: backend.skip }, () => {
      let current: TestStorage | undefined;
      before(async () => {
        current = await backend.create();
      });
      after(async () => {
        await current?.dispose();
      });
      const ready = () => {
        if (!current) throw new Error("storage not ready");
        return current;
      };
      body(
        () => ready().storage,
        () => ready().target,
      );
    });
  }
}

/**
 * Takes the messages table's write lock on a connection of its own: the server's message commits wait until
 * the returned release is called (SQLite's busy timeout is 5 s: release well before).
 */
export async function holdMessageCommits(target: StorageTarget): Promise<() => Promise<void>> {
  if (target.kind === "sqlite") {
    const db = new Database(target.file);
    db.exec("begin immediate");
    return async () => {
      db.exec("commit");
      db.close();
    };
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  await client.query("begin");
  await client.query(`lock table ${target.schema ? `${target.schema}.` : ""}messages in exclusive mode`);
  return async () => {
    await client.query("commit");
    await client.end();
  };
}
