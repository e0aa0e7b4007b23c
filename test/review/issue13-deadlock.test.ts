// Outside review of issue 13 (evidence for the lead): a failing test is a finding.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import {
  createChat,
  now,
  type Person,
  person,
  services,
  wrapped,
} from "../server/services/membership-fixtures.ts";
import { describeEachBackend } from "../support/storage.ts";

describeEachBackend("issue 13 review: lock order", (storage) => {
  let owner: Person;
  let bob: Person;

  before(async () => {
    owner = await person(storage());
    bob = await person(storage());
  });

  async function lockWaiters(): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where wait_event_type = 'Lock' and datname = current_database()`.execute(storage().db);
    return (rows[0]?.n ?? 0) > 0;
  }

  test("a chatsKeys over two chats and a message batch over the same two chats do not deadlock (PostgreSQL)", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("SQLite serialises writers");
    const chats = [
      await createChat(storage(), owner, [bob]),
      await createChat(storage(), owner, [bob]),
    ].sort();
    const [first, second] = chats as [string, string];
    const row = (chat: string) => ({
      chat_id: chat,
      profile_id: owner.pid,
      certificate_id: owner.cid,
      session_id: owner.identity.session.id,
      local_id: null,
      data: "eA==",
      sign: null,
      cms: null,
      type: "txt",
      file_id: null,
      file_size: null,
      created_at: now,
      key_id: 1,
    });
    let release: () => void = () => {};
    let locked: () => void = () => {};
    const secondLocked = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const secondDone = new Promise<void>((resolve) => {
      release = resolve;
    });
    // A MessageWriter batch whose rows arrived as (second, first): the trigger share-locks in that order.
    const batch = storage()
      .db.transaction()
      .execute(async (trx) => {
        await trx.insertInto("messages").values(row(second)).execute();
        locked();
        await secondDone;
        await trx.insertInto("messages").values(row(first)).execute();
      });
    await secondLocked;
    const { keys } = services(storage());
    // Bob's fulfilment at login, across both chats: locks first, then waits for second.
    const fulfil = keys.fulfil(bob.identity, {
      token: "",
      keys: chats.map((chatId) => ({
        chatId,
        pid: owner.pid,
        cid: owner.cid,
        keyId: 1,
        key: wrapped(owner.cid, 1),
      })),
    });
    // Set-up: wait until the fulfilment, holding the first chat, waits for the second one's lock.
    while (!(await lockWaiters())) await sleep(20);
    release();
    const outcomes = await Promise.allSettled([batch, fulfil]);
    assert.deepEqual(
      outcomes.map((outcome) => (outcome.status === "rejected" ? String(outcome.reason) : "ok")),
      ["ok", "ok"],
    );
  });
});
