import assert from "node:assert/strict";
import { test } from "node:test";
import {
  compiledOnce,
  compiledPerLength,
  compiledStatement,
} from "../../../../src/server/storage/repositories/compiled-query.ts";
import type { Executor } from "../../../../src/server/storage/repositories/executor.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { member } from "./fixtures.ts";

const profileNames = compiledOnce(
  (db: Executor, minimumId: number, name: string) =>
    db
      .selectFrom("profiles")
      .select(["id", "name"])
      .where("id", ">=", minimumId)
      .where("name", "<>", name)
      .where("type", "=", 1) // a constant parameter stays as compiled
      .orderBy("id"),
  2,
);

describeEachBackend("compiledOnce", (storage) => {
  test("each call binds its own arguments and returns what the built query returns", async () => {
    const a = await member(storage(), "compiled-a", "79990006001");
    const b = await member(storage(), "compiled-b", "79990006002");
    const built = (minimumId: number, name: string) =>
      storage()
        .db.selectFrom("profiles")
        .select(["id", "name"])
        .where("id", ">=", minimumId)
        .where("name", "<>", name)
        .where("type", "=", 1)
        .orderBy("id")
        .execute();
    for (const [minimumId, name] of [
      [a.profileId, "Name compiled-a"],
      [b.profileId, "nobody"],
      [a.profileId, "nobody"],
    ] as const) {
      assert.deepEqual(await profileNames(storage().db, minimumId, name), await built(minimumId, name));
    }
  });

  test("compiledPerLength binds a list of each length as its own compiled IN list, alike in any order of lengths", async () => {
    const a = await member(storage(), "compiled-list-a", "79990006011");
    const b = await member(storage(), "compiled-list-b", "79990006012");
    const named = compiledPerLength<{ id: number }>(
      () =>
        (db: Executor, ...ids: unknown[]) =>
          db
            .selectFrom("profiles")
            .select("id")
            .where("id", "in", ids as number[])
            .orderBy("id"),
      (length) => length,
    );
    const ids = async (list: number[]) =>
      (await named(storage().db, list.length, list)).map((row) => Number(row.id));
    assert.deepEqual(await ids([a.profileId, b.profileId]), [a.profileId, b.profileId]);
    assert.deepEqual(await ids([b.profileId]), [b.profileId]);
    assert.deepEqual(await ids([a.profileId, -1]), [a.profileId]);
    assert.deepEqual(await ids([a.profileId]), [a.profileId]);
  });

  test("an argument that shapes the SQL instead of being bound is refused when first compiled", async () => {
    const typed = compiledOnce((db: Executor, onlyType: number | undefined) => {
      const query = db.selectFrom("profiles").select("id");
      return onlyType === undefined ? query : query.where("type", "=", 1);
    }, 1);
    await assert.rejects(typed(storage().db, 1), /does not bind/);
  });

  test("a statement compiled once runs inside each transaction it is given, and rolls back with it", async () => {
    const m = await member(storage(), "compiled-trx", "79990006003");
    const rename = compiledStatement(
      (db: Executor, id: number, name: string) =>
        db.updateTable("profiles").set({ name }).where("id", "=", id),
      2,
    );
    const nameOf = async () =>
      (
        await storage()
          .db.selectFrom("profiles")
          .select("name")
          .where("id", "=", m.profileId)
          .executeTakeFirst()
      )?.name;
    const renamed = await rename(storage().db, m.profileId, "outside");
    assert.equal(renamed.numAffectedRows, 1n);
    await assert.rejects(
      storage()
        .db.transaction()
        .execute(async (trx) => {
          assert.equal((await rename(trx, m.profileId, "inside")).numAffectedRows, 1n);
          throw new Error("roll back");
        }),
      /roll back/,
    );
    assert.equal(await nameOf(), "outside");
    await storage()
      .db.transaction()
      .execute((trx) => rename(trx, m.profileId, "committed"));
    assert.equal(await nameOf(), "committed");
  });
});
