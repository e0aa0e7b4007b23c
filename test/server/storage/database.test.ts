import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { sql } from "kysely";
import { openStorage } from "../../../src/server/storage/database.ts";
import { adminQuery, backends, testDatabaseUrl } from "../../support/storage.ts";

const postgres = backends.find((backend) => backend.name === "postgres");

test("migrations into separate PostgreSQL schemas can run at the same time", {
  skip: postgres?.skip ?? "no PostgreSQL backend",
}, async () => {
  const created = await Promise.allSettled(Array.from({ length: 8 }, () => postgres?.create()));
  for (const outcome of created) if (outcome.status === "fulfilled") await outcome.value?.dispose();
  const failures = created.filter((outcome) => outcome.status === "rejected");
  assert.deepEqual(
    failures.map((failure) => String((failure as PromiseRejectedResult).reason)),
    [],
  );
});

test("a PostgreSQL connection killed while checked out fails its transaction, not the process; the pool goes on", {
  skip: postgres?.skip ?? "no PostgreSQL backend",
}, async () => {
  const current = await postgres?.create();
  assert.ok(current);
  try {
    const { db } = current.storage;
    const transaction = db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
      await adminQuery(testDatabaseUrl, `select pg_terminate_backend(${rows[0]?.pid})`);
      // The server closes the connection between two statements, while no query is running on it.
      await delay(300);
    });
    await assert.rejects(transaction);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
    assert.deepEqual(rows, [{ one: 1 }]);
  } finally {
    await current.dispose();
  }
});

test("a PostgreSQL connection dropped while idle in the pool is reported, not swallowed", {
  skip: postgres?.skip ?? "no PostgreSQL backend",
}, async () => {
  const current = await postgres?.create();
  assert.ok(current);
  let reported: (error: Error) => void = () => {};
  const report = new Promise<Error>((resolve) => {
    reported = resolve;
  });
  const storage = openStorage(current.target, { onConnectionError: (error) => reported(error) });
  try {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(storage.db);
    await adminQuery(testDatabaseUrl, `select pg_terminate_backend(${rows[0]?.pid})`);
    const error = await report;
    assert.match(error.message, /terminat|connection/i);
    const again = await sql<{ one: number }>`select 1 as one`.execute(storage.db);
    assert.deepEqual(again.rows, [{ one: 1 }]);
  } finally {
    await storage.close();
    await current.dispose();
  }
});
