import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { before, test } from "node:test";
import { CompiledQuery } from "kysely";
import type { Storage } from "../../../../src/server/storage/database.ts";
import { insertChatMembers, MemberRole } from "../../../../src/server/storage/repositories/chats.ts";
import {
  isUniqueViolation,
  messageRefusal,
} from "../../../../src/server/storage/repositories/constraint-errors.ts";
import {
  catchUpPagesQuery,
  findFileMessage,
  findMessageById,
  findMessageByLocalId,
  findStoredMessages,
  historyPageQuery,
  insertMessage,
  insertMessages,
  lastMessageId,
  listCatchUpPages,
  listHistoryPage,
  referencedFileIds,
  releaseLocalId,
} from "../../../../src/server/storage/repositories/messages.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { chatOf, type Member, member, message, now, rotateEpoch } from "./fixtures.ts";

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
    const page = await listHistoryPage(storage().db, {
      chatId: chat,
      filesOnly: false,
      readerId: alice.profileId,
      limit: 50,
      maxBytes: 1_000_000,
    });
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
      readerId: alice.profileId,
      limit: 50,
      maxBytes: 1_000_000,
    });
    assert.deepEqual(
      prev.map((m) => m.id),
      ids.slice(10, 60),
    );
    const next = await listHistoryPage(storage().db, {
      chatId: chat,
      anchor: { id: anchor, direction: "next" },
      filesOnly: false,
      readerId: alice.profileId,
      limit: 50,
      maxBytes: 1_000_000,
    });
    assert.deepEqual(
      next.map((m) => m.id),
      ids.slice(61, 111),
    );
  });

  test("the file filter keeps file messages only", async () => {
    const files = await listHistoryPage(storage().db, {
      chatId: chat,
      filesOnly: true,
      readerId: alice.profileId,
      limit: 50,
      maxBytes: 1_000_000,
    });
    assert.equal(files.length, 12);
    assert.ok(files.every((m) => m.file_id !== null));
  });

  test("referencedFileIds answers which of the ids stored messages name", async () => {
    const rows = await Promise.all([ids[0], ids[10]].map((id) => findMessageById(storage().db, id ?? 0)));
    const fileIds = rows.map((row) => row?.file_id ?? "");
    assert.ok(fileIds.every((id) => id !== ""));
    const unknown = randomUUID();
    assert.deepEqual(await referencedFileIds(storage().db, [...fileIds, unknown]), new Set(fileIds));
    assert.deepEqual(await referencedFileIds(storage().db, []), new Set());
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

  test("a history page is one index range scan on (chat_id, id) within the reader's bound, unsorted, and reads its rows by key", async () => {
    const query = historyPageQuery(storage().db, {
      chatId: chat,
      anchor: { id: ids[60] ?? 0, direction: "prev" },
      filesOnly: false,
      readerId: alice.profileId,
      limit: 50,
      maxBytes: 1_000_000,
    }).compile();
    const plan = await explain(storage(), query.sql, query.parameters);
    assert.match(plan, /messages_chat_id_id/, plan);
    // The reader's bound (a subquery run once) bounds the range, not filters it: a prev page far below a
    // "from now" member's bound reads nothing of the chat's earlier history.
    if (storage().dialect === "postgres")
      assert.match(plan, /Index Cond: \(\(chat_id = [^\n]*AND \(id > (\$\d+|\(InitPlan)/, plan);
    else
      assert.match(
        plan,
        /SEARCH messages USING (COVERING )?INDEX messages_chat_id_id \(chat_id=\? AND id>\? AND id<\?\)/,
        plan,
      );
    // The range's ids and field bytes first; a row is read whole only once it is known to be within the bound.
    assert.match(plan, /Index Scan using messages_pkey|SEARCH messages USING INTEGER PRIMARY KEY/, plan);
    assert.doesNotMatch(plan, /TEMP B-TREE|Sort|SCAN messages|Seq Scan/, plan);
  });

  test("a page leaves out the messages up to the reader's history bound", async () => {
    const fresh = await chatOf(storage(), alice, []);
    const freshIds: number[] = [];
    for (let i = 0; i < 6; i++) freshIds.push(await insertMessage(storage().db, message(fresh, alice)));
    await storage()
      .db.updateTable("chat_members")
      .set({ visible_after_message_id: freshIds[2] ?? 0 })
      .where("chat_id", "=", fresh)
      .where("profile_id", "=", alice.profileId)
      .execute();
    const page = (anchor?: { id: number; direction: "prev" | "next" }) =>
      listHistoryPage(storage().db, {
        chatId: fresh,
        filesOnly: false,
        readerId: alice.profileId,
        limit: 50,
        maxBytes: 1_000_000,
        ...(anchor ? { anchor } : {}),
      });
    const ids = async (anchor?: { id: number; direction: "prev" | "next" }) =>
      (await page(anchor)).map((m) => m.id);
    assert.deepEqual(await ids(), freshIds.slice(3));
    assert.deepEqual(await ids({ id: freshIds[5] ?? 0, direction: "prev" }), freshIds.slice(3, 5));
    assert.deepEqual(await ids({ id: freshIds[0] ?? 0, direction: "next" }), freshIds.slice(3));
  });

  /** A new chat of alice's with `count` messages, and their ids. */
  const chatWith = async (count: number): Promise<{ chat: string; ids: number[] }> => {
    const fresh = await chatOf(storage(), alice, []);
    const freshIds: number[] = [];
    for (let i = 0; i < count; i++) freshIds.push(await insertMessage(storage().db, message(fresh, alice)));
    return { chat: fresh, ids: freshIds };
  };

  test("listHistoryPage brings the messages nearest the anchor while the field bytes of those nearer are below the bound", async () => {
    // "AAAA" each: 4 bytes of fields a message; 9 bytes take three.
    const { chat: fresh, ids: freshIds } = await chatWith(5);
    const page = async (anchor?: { id: number; direction: "prev" | "next" }) =>
      (
        await listHistoryPage(storage().db, {
          chatId: fresh,
          filesOnly: false,
          readerId: alice.profileId,
          limit: 50,
          maxBytes: 9,
          ...(anchor ? { anchor } : {}),
        })
      ).map((m) => m.id);
    assert.deepEqual(await page(), freshIds.slice(2));
    assert.deepEqual(await page({ id: freshIds[4] ?? 0, direction: "prev" }), freshIds.slice(1, 4));
    assert.deepEqual(await page({ id: 0, direction: "next" }), freshIds.slice(0, 3));
  });

  test("listHistoryPage brings the message nearest the anchor whatever its size", async () => {
    const { chat: fresh, ids: freshIds } = await chatWith(2);
    const page = await listHistoryPage(storage().db, {
      chatId: fresh,
      filesOnly: false,
      readerId: alice.profileId,
      limit: 50,
      maxBytes: 0,
    });
    assert.deepEqual(
      page.map((m) => m.id),
      freshIds.slice(1),
    );
    assert.equal(page[0]?.data, "AAAA");
    assert.equal(page[0]?.sender_name, "Name msg-alice");
  });

  test("listCatchUpPages gives each chat's first messages after its id in ascending order, up to the limit", async () => {
    const busy = await chatWith(8);
    const quiet = await chatWith(2);
    const pages = await listCatchUpPages(
      storage().db,
      alice.profileId,
      [
        { chatId: quiet.chat, afterId: 0 },
        { chatId: busy.chat, afterId: busy.ids[1] ?? 0 },
      ],
      5,
      1_000_000,
    );
    assert.deepEqual(
      pages.get(busy.chat)?.messages.map((m) => m.id),
      busy.ids.slice(2, 7),
    );
    assert.deepEqual(
      pages.get(quiet.chat)?.messages.map((m) => m.id),
      quiet.ids,
    );
    assert.equal(pages.get(busy.chat)?.messages[0]?.sender_name, "Name msg-alice");
    assert.equal(pages.get(busy.chat)?.messages[0]?.data, "AAAA");
  });

  test("listCatchUpPages leaves out a chat with nothing after its id", async () => {
    const caughtUp = await chatWith(2);
    const behind = await chatWith(1);
    const pages = await listCatchUpPages(
      storage().db,
      alice.profileId,
      [
        { chatId: caughtUp.chat, afterId: caughtUp.ids[1] ?? 0 },
        { chatId: behind.chat, afterId: 0 },
      ],
      50,
      1_000_000,
    );
    assert.deepEqual([...pages.keys()], [behind.chat]);
  });

  test("listCatchUpPages of no chats reads nothing and answers none", async () => {
    assert.deepEqual(await listCatchUpPages(storage().db, alice.profileId, [], 50, 1_000_000), new Map());
  });

  test("listCatchUpPages brings messages' fields while the bytes before them, across its chats in order, are below the bound; the rest it counts", async () => {
    // "AAAA" each: 4 bytes of fields a message.
    const first = await chatWith(3);
    const second = await chatWith(2);
    const pages = await listCatchUpPages(
      storage().db,
      alice.profileId,
      [
        { chatId: first.chat, afterId: 0 },
        { chatId: second.chat, afterId: 0 },
      ],
      50,
      13,
    );
    assert.deepEqual(
      [first.chat, second.chat].map((id) => {
        const page = pages.get(id);
        return [page?.messages.map((m) => m.id), page?.found];
      }),
      [
        [first.ids, 3],
        [second.ids.slice(0, 1), 2],
      ],
    );
  });

  test("listCatchUpPages brings the first message found whatever its size", async () => {
    const only = await chatWith(2);
    const pages = await listCatchUpPages(
      storage().db,
      alice.profileId,
      [{ chatId: only.chat, afterId: 0 }],
      50,
      0,
    );
    assert.deepEqual(
      pages.get(only.chat)?.messages.map((m) => m.id),
      only.ids.slice(0, 1),
    );
    assert.equal(pages.get(only.chat)?.found, 2);
  });

  test("listCatchUpPages reads, as it runs, the reader's membership: nothing of a chat it is not a member of, nothing up to its history bound", async () => {
    const outsider = await member(storage(), "msg-outsider", "79990002002");
    const bounded = await member(storage(), "msg-bounded", "79990002003");
    const shared = await chatWith(3);
    await insertChatMembers(storage().db, [
      {
        chat_id: shared.chat,
        profile_id: bounded.profileId,
        role: MemberRole.member,
        joined_at: now,
        visible_after_message_id: shared.ids[1] ?? 0,
      },
    ]);
    const read = async (reader: Member) =>
      (
        await listCatchUpPages(
          storage().db,
          reader.profileId,
          [{ chatId: shared.chat, afterId: 0 }],
          50,
          1_000_000,
        )
      )
        .get(shared.chat)
        ?.messages.map((m) => m.id) ?? [];
    assert.deepEqual(await read(outsider), []);
    assert.deepEqual(await read(bounded), shared.ids.slice(2));
    assert.deepEqual(await read(alice), shared.ids);
  });

  test("listCatchUpPages answers alike for different numbers of chats (one compiled statement per number)", async () => {
    const first = await chatWith(3);
    const second = await chatWith(1);
    const one = await listCatchUpPages(
      storage().db,
      alice.profileId,
      [{ chatId: first.chat, afterId: first.ids[0] ?? 0 }],
      50,
      1_000_000,
    );
    const two = await listCatchUpPages(
      storage().db,
      alice.profileId,
      [
        { chatId: second.chat, afterId: second.ids[0] ?? 0 },
        { chatId: first.chat, afterId: first.ids[0] ?? 0 },
      ],
      50,
      1_000_000,
    );
    assert.deepEqual(
      one.get(first.chat)?.messages.map((m) => m.id),
      first.ids.slice(1),
    );
    assert.deepEqual(two, one);
  });

  test("a catch-up statement is one index range on (chat_id, id) per chat; it sorts only the ids it found, and reads the rows by key", async () => {
    const query = catchUpPagesQuery(
      storage().db,
      alice.profileId,
      [
        { chatId: chat, afterId: ids[100] ?? 0 },
        { chatId: other, afterId: 0 },
      ],
      51,
      1_000_000,
    ).compile();
    const plan = await explain(storage(), query.sql, query.parameters);
    if (storage().dialect === "postgres") {
      assert.equal(plan.match(/Index (Only )?Scan using messages_chat_id_id/g)?.length, 2, plan);
      // The window's order: the parts' ids and field bytes, before any row is read whole.
      assert.deepEqual(plan.match(/Sort Key: .*/g), ["Sort Key: p0.part, p0.id"], plan);
      assert.match(plan, /Index Scan using messages_pkey/, plan);
    } else {
      assert.equal(
        plan.match(/SEARCH messages USING (COVERING )?INDEX messages_chat_id_id \(chat_id=\? AND id>\?\)/g)
          ?.length,
        2,
        plan,
      );
      // Each part's found ids, merged in the window's order.
      assert.ok((plan.match(/TEMP B-TREE/g)?.length ?? 0) <= 2, plan);
      assert.match(plan, /SEARCH messages USING INTEGER PRIMARY KEY/, plan);
    }
    assert.doesNotMatch(plan, /SCAN messages|Seq Scan/, plan);
  });

  test("lastMessageId is the chat's newest id, 0 for a chat without messages", async () => {
    const fresh = await chatOf(storage(), alice, []);
    assert.equal(await lastMessageId(storage().db, fresh), 0);
    await insertMessage(storage().db, message(fresh, alice));
    const last = await insertMessage(storage().db, message(fresh, alice));
    await insertMessage(storage().db, message(other, alice));
    assert.equal(await lastMessageId(storage().db, fresh), last);
  });

  test("findStoredMessages finds a stored batch's ids in its order, identical rows each once", async () => {
    const fresh = await chatOf(storage(), alice, []);
    const batch = [
      message(fresh, alice, { data: "twin", created_at: now + 7 }),
      message(other, alice, { data: "single", created_at: now + 5 }),
      message(fresh, alice, { data: "twin", created_at: now + 7 }),
    ];
    const stored = await insertMessages(storage().db, batch);
    assert.deepEqual(await findStoredMessages(storage().db, batch), stored);
  });

  test("findStoredMessages finds nothing unless every row of the batch is stored, equal in every column", async () => {
    const fresh = await chatOf(storage(), alice, []);
    const storedRow = message(fresh, alice, { data: "kept", created_at: now + 9 });
    await insertMessage(storage().db, storedRow);
    assert.equal(
      await findStoredMessages(storage().db, [
        storedRow,
        message(fresh, alice, { data: "never", created_at: now + 9 }),
      ]),
      undefined,
    );
    assert.equal(await findStoredMessages(storage().db, [{ ...storedRow, sign: "c2lnbg==" }]), undefined);
    assert.equal(await findStoredMessages(storage().db, [storedRow, storedRow]), undefined);
  });
});

describeEachBackend("message admission trigger", (storage) => {
  let owner: Member;
  let reader: Member;
  let outsider: Member;
  before(async () => {
    owner = await member(storage(), "admit-owner", "79990002101");
    reader = await member(storage(), "admit-reader", "79990002102");
    outsider = await member(storage(), "admit-outsider", "79990002103");
  });

  const refusedAs = (reason: string) => (error: unknown) => messageRefusal(error) === reason;

  test("a message from a profile that is not a member is refused not-member", async () => {
    const group = await chatOf(storage(), owner, [reader]);
    await assert.rejects(insertMessage(storage().db, message(group, outsider)), refusedAs("not-member"));
    assert.ok(await insertMessage(storage().db, message(group, reader)));
  });

  test("in a channel a plain member is refused not-member; an admin and the owner post", async () => {
    const channel = await chatOf(storage(), owner, [reader], 2);
    await assert.rejects(insertMessage(storage().db, message(channel, reader)), refusedAs("not-member"));
    assert.ok(await insertMessage(storage().db, message(channel, owner)));
    const admin = await member(storage(), "admit-admin", "79990002104");
    await insertChatMembers(storage().db, [
      { chat_id: channel, profile_id: admin.profileId, role: MemberRole.admin, joined_at: now },
    ]);
    assert.ok(await insertMessage(storage().db, message(channel, admin)));
  });

  test("a message under an epoch that is not the chat's current one is refused stale-key", async () => {
    const group = await chatOf(storage(), owner, [reader]);
    await rotateEpoch(storage().db, group, owner, 2);
    await assert.rejects(
      insertMessage(storage().db, message(group, reader, { key_id: 1 })),
      refusedAs("stale-key"),
    );
    await assert.rejects(
      insertMessage(storage().db, message(group, reader, { key_id: 3 })),
      refusedAs("stale-key"),
    );
    assert.ok(await insertMessage(storage().db, message(group, reader, { key_id: 2 })));
  });

  test("messageRefusal names no refusal for other errors", async () => {
    const group = await chatOf(storage(), owner, []);
    await insertMessage(storage().db, message(group, owner, { local_id: "admit-taken" }));
    await assert.rejects(
      insertMessage(storage().db, message(group, owner, { local_id: "admit-taken" })),
      (error) => isUniqueViolation(error) && messageRefusal(error) === undefined,
    );
    assert.equal(messageRefusal(new Error("certchat:stale-key")), undefined);
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
