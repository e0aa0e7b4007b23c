import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { migrateToLatest, openStorage, type Storage } from "../../../../src/server/storage/database.ts";
import { SqliteCommitter } from "../../../../src/server/storage/message-commit/sqlite-committer.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import { insertMessage, type NewMessage } from "../../../../src/server/storage/repositories/messages.ts";
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
  const committer = new SqliteCommitter(join(dir, "db.sqlite"));
  const outcome = await committer.commit([
    { row: message(chat, alice, { data: "t1" }) },
    { row: message(chat, alice, { data: "t2" }) },
  ]);
  await committer.close();
  assert.ok(outcome.committed);
  const [first = 0, second = 0] = outcome.ids;
  assert.ok(first > 0 && second > first);
  const rows = await storage.db
    .selectFrom("messages")
    .select("data")
    .where("id", "in", outcome.ids)
    .orderBy("id")
    .execute();
  assert.deepEqual(
    rows.map((row) => row.data),
    ["t1", "t2"],
  );
});

test("the thread stores every column as the repository's insert does", async () => {
  const committer = new SqliteCommitter(join(dir, "db.sqlite"));
  const full = (tag: string) =>
    message(chat, alice, {
      local_id: `full-${tag}`,
      data: `data-${tag}`,
      sign: `sign-${tag}`,
      cms: `cms-${tag}`,
      type: "file",
      file_id: randomUUID(),
      file_size: 12345,
      created_at: 1_790_000_000_123,
    });
  const sparse = (): NewMessage => {
    const { local_id, sign, cms, file_id, file_size, ...required } = message(chat, alice);
    return required;
  };
  try {
    for (const [viaRepository, viaThread] of [
      [full("repository"), full("thread")],
      [sparse(), sparse()],
    ] as const) {
      const repositoryId = await insertMessage(storage.db, viaRepository);
      const outcome = await committer.commit([{ row: viaThread }]);
      assert.ok(outcome.committed);
      const stored = async (id: number) => {
        const { id: _, ...columns } = await storage.db
          .selectFrom("messages")
          .selectAll()
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        return columns;
      };
      const asGiven = (row: NewMessage) => ({ ...message(chat, alice), ...row });
      assert.deepEqual(await stored(repositoryId), asGiven(viaRepository));
      assert.deepEqual(await stored(outcome.ids[0] as number), asGiven(viaThread));
    }
  } finally {
    await committer.close();
  }
});

test("a batch the database refuses is rolled back whole, its error keeping the driver code", async () => {
  const committer = new SqliteCommitter(join(dir, "db.sqlite"));
  const outcome = await committer.commit([
    { row: message(chat, alice, { local_id: "same", data: "refused" }) },
    { row: message(chat, alice, { local_id: "same", data: "refused" }) },
  ]);
  await committer.close();
  assert.ok(!outcome.committed && isUniqueViolation(outcome.error));
  const stored = await storage.db.selectFrom("messages").select("id").where("data", "=", "refused").execute();
  assert.deepEqual(stored, []);
});

test("a database the thread cannot open fails the start; a closed committer refuses batches", async () => {
  const broken = new SqliteCommitter(join(dir, "missing-dir", "nested", "db.sqlite"));
  await assert.rejects(broken.start());
  const committer = new SqliteCommitter(join(dir, "db.sqlite"));
  await committer.start();
  await committer.close();
  await assert.rejects(committer.commit([{ row: message(chat, alice) }]), /closed/);
});

test("a thread that dies fails the batch it held; the next batch starts a new thread", async () => {
  const committer = new SqliteCommitter("unused", new URL("./dying-thread.mjs", import.meta.url));
  await assert.rejects(committer.commit([{ row: message(chat, alice) }]), /exited with code 3/);
  // Only a new thread can answer (and die) again: the dead one is gone.
  await assert.rejects(committer.commit([{ row: message(chat, alice) }]), /exited with code 3/);
  await committer.close();
});
