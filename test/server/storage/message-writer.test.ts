import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openStorage, type Storage } from "../../../src/server/storage/database.ts";
import type { MessageWrite } from "../../../src/server/storage/message-commit/batch-committer.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import {
  isUniqueViolation,
  messageRefusal,
} from "../../../src/server/storage/repositories/constraint-errors.ts";
import { findMessageById, insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { chatOf, type Member, member, message, rotateEpoch } from "./repositories/fixtures.ts";

describeEachBackend("MessageWriter", (storage, target) => {
  let alice: Member;
  let chat: string;
  let writer: MessageWriter;
  /** A second connection: what it sees is committed. */
  let reader: Storage;
  before(async () => {
    alice = await member(storage(), "writer-alice", "79990003001");
    chat = await chatOf(storage(), alice, []);
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()), maxBatch: 16 });
    reader = openStorage(target());
  });
  after(async () => {
    await writer.close();
    await reader.close();
  });

  test("concurrent inserts all commit, with distinct ids increasing in call order", async () => {
    const ids = await Promise.all(
      Array.from({ length: 40 }, (_, i) => writer.insert({ row: message(chat, alice, { data: `c${i}` }) })),
    );
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id, index) => index === 0 || id > (ids[index - 1] ?? 0)));
    const stored = await reader.db
      .selectFrom("messages")
      .select(["id", "data"])
      .where("id", "in", ids)
      .execute();
    assert.deepEqual(
      stored.sort((a, b) => a.id - b.id).map((row) => row.data),
      ids.map((_, i) => `c${i}`),
    );
  });

  test("settled resolves once every insert taken before it has been answered, and at once with none outstanding", async () => {
    const answered: string[] = [];
    const before = ["b0", "b1", "b2"].map((data) =>
      writer.insert({ row: message(chat, alice, { data }) }).then(() => answered.push(data)),
    );
    const settled = writer.settled().then(() => [...answered]);
    const later = writer.insert({ row: message(chat, alice, { data: "later" }) });
    assert.deepEqual(await settled, ["b0", "b1", "b2"]);
    await Promise.all([...before, later]);
    assert.equal(await writer.settled(), undefined); // nothing outstanding: at once
  });

  test("the observer hears each batch's size and each committed message once, a refused row not", async () => {
    const batches: number[] = [];
    let committed = 0;
    const observed = new MessageWriter({
      committer: await startMessageCommitter(storage()),
      maxBatch: 16,
      observer: {
        batchCommitted: (size) => batches.push(size),
        messageCommitted: (waitedSeconds) => {
          assert.ok(waitedSeconds >= 0);
          committed++;
        },
      },
    });
    try {
      await insertMessage(storage().db, message(chat, alice, { local_id: "observed-taken" }));
      // Inserted in one turn of the event loop: one batch of 20 is split at maxBatch.
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          observed.insert({
            row: message(chat, alice, { data: `o${i}`, local_id: i === 5 ? "observed-taken" : `obs-${i}` }),
          }),
        ),
      );
      assert.equal(results.filter((result) => result.status === "rejected").length, 1);
      assert.deepEqual(batches, [16, 4]);
      assert.equal(committed, 19);
    } finally {
      await observed.close();
    }
  });

  test("a row whose localId is taken fails alone; the rest of its batch commits", async () => {
    await insertMessage(storage().db, message(chat, alice, { local_id: "taken" }));
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        writer.insert({
          row: message(chat, alice, { data: `b${i}`, local_id: i === 3 ? "taken" : `free-${i}` }),
        }),
      ),
    );
    const failed = results[3];
    assert.equal(failed?.status, "rejected");
    assert.ok(failed?.status === "rejected" && isUniqueViolation(failed.reason));
    const committed = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    assert.equal(committed.length, 7);
    assert.ok(committed.every((id, index) => index === 0 || id > (committed[index - 1] ?? 0)));
    for (const id of committed) assert.ok(await findMessageById(reader.db, id));
  });

  test("rows the admission trigger refuses fail alone with their refusal; the rest of the batch commits", async () => {
    const outsider = await member(storage(), "writer-outsider", "79990003002");
    const rotated = await chatOf(storage(), alice, []);
    await rotateEpoch(storage().db, rotated, alice, 2);
    const rows = [
      message(chat, alice, { data: "a0" }),
      message(chat, outsider, { data: "refused" }),
      message(rotated, alice, { data: "a1", key_id: 2 }),
      message(rotated, alice, { data: "stale", key_id: 1 }),
      message(chat, alice, { data: "a2" }),
    ];
    const results = await Promise.allSettled(rows.map((row) => writer.insert({ row })));
    assert.deepEqual(
      results.map((result) => (result.status === "rejected" ? messageRefusal(result.reason) : "stored")),
      ["stored", "not-member", "stored", "stale-key", "stored"],
    );
    const committed = results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    const stored = await reader.db
      .selectFrom("messages")
      .select("data")
      .where("id", "in", committed)
      .orderBy("id")
      .execute();
    assert.deepEqual(
      stored.map((row) => row.data),
      ["a0", "a1", "a2"],
    );
  });

  test("a release of a stale localId commits with the insert that takes it over", async () => {
    const stale = await insertMessage(storage().db, message(chat, alice, { local_id: "reused" }));
    const id = await writer.insert({
      row: message(chat, alice, { local_id: "reused" }),
      releaseLocalIdOf: stale,
    });
    assert.equal((await findMessageById(reader.db, stale))?.local_id, null);
    assert.equal((await findMessageById(reader.db, id))?.local_id, "reused");
  });

  test("every caller is resolved only after its row is committed", async () => {
    const seen = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        writer
          .insert({ row: message(chat, alice, { data: `v${i}` }) })
          // Runs as soon as the promise resolves, on a connection that sees only committed rows.
          .then((id) => findMessageById(reader.db, id)),
      ),
    );
    assert.deepEqual(
      seen.map((row) => row?.data),
      seen.map((_, i) => `v${i}`),
    );
  });

  test("close commits what is queued first, then refuses new writes", async () => {
    const closing = new MessageWriter({ committer: await startMessageCommitter(storage()), maxBatch: 4 });
    const queued = Array.from({ length: 10 }, (_, i) =>
      closing.insert({ row: message(chat, alice, { data: `q${i}` }) }),
    );
    await closing.close();
    const ids = await Promise.all(queued);
    for (const id of ids) assert.ok(await findMessageById(reader.db, id));
    await assert.rejects(closing.insert({ row: message(chat, alice) }));
  });
});

test("a batch whose fate is unknown fails whole and is not retried row by row", async () => {
  const commits: MessageWrite[][] = [];
  const writer = new MessageWriter({
    committer: {
      commit: async (batch) => {
        commits.push(batch);
        throw new Error("the writer thread died holding the batch");
      },
      close: async () => {},
    },
  });
  const row = {
    chat_id: "chat",
    profile_id: 1,
    certificate_id: 1,
    session_id: 1,
    data: "d",
    type: "txt",
    key_id: 1,
  };
  const results = await Promise.allSettled([
    writer.insert({ row: { ...row, created_at: 1 } }),
    writer.insert({ row: { ...row, created_at: 2 } }),
  ]);
  assert.deepEqual(
    results.map((result) => result.status),
    ["rejected", "rejected"],
  );
  assert.equal(commits.length, 1);
  await writer.close();
});
