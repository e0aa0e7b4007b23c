import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { CompiledQuery } from "kysely";
import type { Storage } from "../../../../src/server/storage/database.ts";
import { isUniqueViolation } from "../../../../src/server/storage/repositories/constraint-errors.ts";
import {
  findFileMessage,
  findMessageById,
  findMessageByLocalId,
  historyPageQuery,
  insertMessage,
  listHistoryPage,
  releaseLocalId,
} from "../../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { chatOf, type Member, member, message } from "./fixtures.ts";

describeEachBackend("messages", (storage) => {
  let alice: Member;
  let chat: string;
  let other: string;
  let ids: number[];
  before(async () => {
    alice = await member(storage(), "msg-alice", "79990002001");
    chat = await chatOf(storage(), alice, []);
    other = await chatOf(storage(), alice, []);
    ids = [];
    for (let i = 0; i < 120; i++) {
      const fileId = i % 10 === 0 ? randomUUID() : null;
      ids.push(
        await insertMessage(
          storage().db,
          message(chat, alice, { data: `m${i}`, file_id: fileId, file_size: fileId ? 1 : null }),
        ),
      );
      if (i % 40 === 0) await insertMessage(storage().db, message(other, alice));
    }
  });

  test("ids increase across chats", () => {
    assert.ok(ids.every((id, index) => index === 0 || id > (ids[index - 1] ?? 0)));
  });

  test("the latest page is the last 50 in ascending order", async () => {
    const page = await listHistoryPage(storage().db, { chatId: chat, filesOnly: false, limit: 50 });
    assert.deepEqual(
      page.map((m) => m.id),
      ids.slice(70),
    );
    assert.equal(page[0]?.sender_name, "Name msg-alice");
  });

  test("prev and next pages are keyset ranges around the anchor", async () => {
    const anchor = ids[60] ?? 0;
    const prev = await listHistoryPage(storage().db, {
      chatId: chat,
      anchor: { id: anchor, direction: "prev" },
      filesOnly: false,
      limit: 50,
    });
    assert.deepEqual(
      prev.map((m) => m.id),
      ids.slice(10, 60),
    );
    const next = await listHistoryPage(storage().db, {
      chatId: chat,
      anchor: { id: anchor, direction: "next" },
      filesOnly: false,
      limit: 50,
    });
    assert.deepEqual(
      next.map((m) => m.id),
      ids.slice(61, 111),
    );
  });

  test("the file filter keeps file messages only", async () => {
    const files = await listHistoryPage(storage().db, { chatId: chat, filesOnly: true, limit: 50 });
    assert.equal(files.length, 12);
    assert.ok(files.every((m) => m.file_id !== null));
  });

  test("a file message is found by its file id", async () => {
    const row = await findMessageById(storage().db, ids[0] ?? 0);
    assert.equal((await findFileMessage(storage().db, row?.file_id ?? ""))?.chat_id, chat);
    assert.equal(await findFileMessage(storage().db, randomUUID()), undefined);
  });

  test("a localId is unique per session and chat until released", async () => {
    const key = { sessionId: alice.sessionId, chatId: other, localId: "42" };
    const first = await insertMessage(storage().db, message(other, alice, { local_id: "42" }));
    assert.equal((await findMessageByLocalId(storage().db, key))?.id, first);
    await assert.rejects(insertMessage(storage().db, message(other, alice, { local_id: "42" })), (error) =>
      isUniqueViolation(error),
    );
    await insertMessage(storage().db, message(chat, alice, { local_id: "42" }));
    await releaseLocalId(storage().db, first);
    const second = await insertMessage(storage().db, message(other, alice, { local_id: "42" }));
    assert.equal((await findMessageByLocalId(storage().db, key))?.id, second);
  });

  test("a history page is an index range scan on (chat_id, id)", async () => {
    const query = historyPageQuery(storage().db, {
      chatId: chat,
      anchor: { id: ids[60] ?? 0, direction: "prev" },
      filesOnly: false,
      limit: 50,
    }).compile();
    const plan = await explain(storage(), query.sql, query.parameters);
    assert.match(plan, /messages_chat_id_id/, plan);
    if (storage().dialect === "postgres") assert.match(plan, /Index (Only )?Scan/, plan);
    else
      assert.match(
        plan,
        /SEARCH messages USING (COVERING )?INDEX messages_chat_id_id \(chat_id=\? AND id<\?\)/,
        plan,
      );
    assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
  });
});

/**
 * The plan of a query: EXPLAIN QUERY PLAN on SQLite; EXPLAIN on PostgreSQL with sequential scans priced out,
 * since a test table is small enough that a scan would win, and the point is that the index serves the query.
 */
async function explain(storage: Storage, sql: string, parameters: readonly unknown[]): Promise<string> {
  if (storage.dialect === "sqlite") {
    const result = await storage.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${sql}`, [...parameters]),
    );
    return result.rows.map((row) => row.detail).join("\n");
  }
  return storage.db.transaction().execute(async (trx) => {
    await trx.executeQuery(CompiledQuery.raw("set local enable_seqscan = off"));
    const result = await trx.executeQuery<{ "QUERY PLAN": string }>(
      CompiledQuery.raw(`explain ${sql}`, [...parameters]),
    );
    return result.rows.map((row) => row["QUERY PLAN"]).join("\n");
  });
}
