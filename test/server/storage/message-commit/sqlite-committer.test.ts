import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { migrateToLatest, openStorage, type Storage } from "../../../../src/server/storage/database.ts";
import { SqliteThreadCommitter } from "../../../../src/server/storage/message-commit/sqlite-committer.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { chatOf, type Member, member, message } from "../repositories/fixtures.ts";

let dir: string;
let storage: Storage;
let alice: Member;
let chat: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), "certchat-writer-"));
  storage = openStorage({ kind: "sqlite", file: join(dir, "db.sqlite") });
  await migrateToLatest(storage);
  alice = await member(storage, "thread-alice", "79990005001");
  chat = await chatOf(storage, alice, []);
});
after(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

test("a batch commits on the thread; the main connection then reads it", async () => {
  const committer = new SqliteThreadCommitter(join(dir, "db.sqlite"));
  const outcomes = await committer.commit([
    { row: message(chat, alice, { data: "t1" }) },
    { row: message(chat, alice, { data: "t2" }) },
  ]);
  await committer.close();
  const ids = outcomes.map((outcome) => (outcome.ok ? outcome.id : 0));
  assert.ok((ids[0] ?? 0) > 0 && (ids[1] ?? 0) > (ids[0] ?? 0));
  const rows = await storage.db
    .selectFrom("messages")
    .select("data")
    .where("id", "in", ids)
    .orderBy("id")
    .execute();
  assert.deepEqual(
    rows.map((row) => row.data),
    ["t1", "t2"],
  );
});

test("a failed write keeps its driver code across the thread and fails alone", async () => {
  const committer = new SqliteThreadCommitter(join(dir, "db.sqlite"));
  const [first, taken, third] = await committer.commit([
    { row: message(chat, alice, { local_id: "same" }) },
    { row: message(chat, alice, { local_id: "same" }) },
    { row: message(chat, alice, { local_id: "other" }) },
  ]);
  await committer.close();
  assert.ok(first?.ok && third?.ok && third.id > first.id);
  assert.ok(taken && !taken.ok && isUniqueViolation(taken.error));
});

test("a database the thread cannot open fails the start; a closed committer refuses batches", async () => {
  const broken = new SqliteThreadCommitter(join(dir, "missing-dir", "nested", "db.sqlite"));
  await assert.rejects(broken.start());
  const committer = new SqliteThreadCommitter(join(dir, "db.sqlite"));
  await committer.start();
  await committer.close();
  await assert.rejects(committer.commit([{ row: message(chat, alice) }]), /closed/);
});

test("a thread that dies fails the batch it held; the next batch starts a new thread", async () => {
  const committer = new SqliteThreadCommitter("unused", new URL("./dying-thread.mjs", import.meta.url));
  await assert.rejects(committer.commit([{ row: message(chat, alice) }]), /exited with code 3/);
  // Only a new thread can answer (and die) again: the dead one is gone.
  await assert.rejects(committer.commit([{ row: message(chat, alice) }]), /exited with code 3/);
  await committer.close();
});
