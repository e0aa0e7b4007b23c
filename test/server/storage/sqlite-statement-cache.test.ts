import assert from "node:assert/strict";
import { test } from "node:test";
import SqliteDatabase from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { cachingStatements } from "../../../src/server/storage/sqlite-statement-cache.ts";

test("the same SQL text is prepared once and its statement reused", () => {
  const connection = new SqliteDatabase(":memory:");
  const database = cachingStatements(connection);
  const first = database.prepare("select 1 as one");
  assert.equal(database.prepare("select 1 as one"), first);
  assert.notEqual(database.prepare("select 2 as two"), first);
  database.close();
  assert.equal(connection.open, false);
});

test("beyond its capacity the least recently used text is prepared again", () => {
  const database = cachingStatements(new SqliteDatabase(":memory:"), 2);
  const a = database.prepare("select 'a'");
  const b = database.prepare("select 'b'");
  assert.equal(database.prepare("select 'a'"), a); // a is now the most recently used
  database.prepare("select 'c'"); // evicts b
  assert.equal(database.prepare("select 'a'"), a);
  assert.notEqual(database.prepare("select 'b'"), b);
  database.close();
});

test("Kysely queries through the cache see writes and schema changes", async () => {
  const db = new Kysely<{ t: { x: number } }>({
    dialect: new SqliteDialect({ database: cachingStatements(new SqliteDatabase(":memory:")) }),
  });
  await sql`create table t (x integer)`.execute(db);
  const count = async () =>
    (
      await db
        .selectFrom("t")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow()
    ).n;
  assert.equal(await count(), 0);
  await db.insertInto("t").values({ x: 1 }).execute();
  await db.insertInto("t").values({ x: 2 }).execute();
  assert.equal(await count(), 2);
  await sql`alter table t add column y integer`.execute(db);
  assert.deepEqual(await db.selectFrom("t").selectAll().orderBy("x").execute(), [
    { x: 1, y: null },
    { x: 2, y: null },
  ]);
  await db.destroy();
});
