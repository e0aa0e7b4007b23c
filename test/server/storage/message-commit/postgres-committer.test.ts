import assert from "node:assert/strict";
import { after, before, type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { openStorage, type Storage } from "../../../../src/server/storage/database.ts";
import type { MessageWrite } from "../../../../src/server/storage/message-commit/batch-committer.ts";
import {
  PostgresCommitter,
  type UnknownOutcomeResolution,
  UnresolvedCommitError,
} from "../../../../src/server/storage/message-commit/postgres-committer.ts";
import { lockChats } from "../../../../src/server/storage/repositories/chats.ts";
import type { Executor } from "../../../../src/server/storage/repositories/executor.ts";
import { listHistoryPage } from "../../../../src/server/storage/repositories/messages.ts";
import { StatementCutter } from "../../../support/statement-cutter.ts";
import { describeEachBackend, testDatabaseUrl } from "../../../support/storage.ts";
import { chatOf, type Member, member, message } from "../repositories/fixtures.ts";

describeEachBackend("PostgresCommitter", (storage) => {
  /**
   * Whether `atLeast` sessions wait on a lock that `trx` holds, directly or behind another such waiter. Only
   * this test's sessions count: other test files, run alongside, wait on locks in the same database.
   */
  async function lockWaiters(trx: Executor, atLeast = 1): Promise<boolean> {
    // pg_stat_activity is read once per transaction unless its snapshot is cleared.
    await sql`select pg_stat_clear_snapshot()`.execute(trx);
    const { rows } = await sql<{ n: number }>`with recursive waiting(pid) as (
        select pid from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))
        union
        select a.pid from pg_stat_activity a join waiting w on w.pid = any(pg_blocking_pids(a.pid))
      ) select count(*)::int as n from waiting`.execute(trx);
    return (rows[0]?.n ?? 0) >= atLeast;
  }

  test("a batch whose rows arrive in descending chat order and a change locking the chats ascending do not deadlock", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite serialises writers)");
    const alice = await member(storage(), "pgc-alice", "79990007001");
    const [first, second] = [
      await chatOf(storage(), alice, []),
      await chatOf(storage(), alice, []),
    ].sort() as [string, string];
    const committer = new PostgresCommitter(storage().db, poolOf(storage()));
    // A membership change (chatsKeys) holds the first chat, the batch starts, then the change takes the second.
    const { batch } = await storage()
      .db.transaction()
      .execute(async (trx) => {
        await lockChats(trx, [first]);
        const pending = committer.commit([{ row: message(second, alice) }, { row: message(first, alice) }]);
        while (!(await lockWaiters(trx))) await sleep(20);
        await lockChats(trx, [second]);
        return { batch: pending };
      });
    const outcome = await batch;
    assert.equal(outcome.committed, true, outcome.committed ? "" : String(outcome.error));
  });

  /**
   * Node A's batch (alice's message in `chat`, plus `alsoInA`) is held at its foreign-key check by a row lock
   * on alice's profile — after its rows (and ids) are formed, before it commits — while node B commits bob's
   * message in `chat`. A reader reads the latest page then, and catches up from the last id it holds once
   * both are done, as clients do (messages {id: last, rel: "next"}): it must hold both messages.
   */
  async function readerAcrossTwoNodes(
    t: TestContext,
    key: string,
    alsoInA: (alice: Member) => Promise<MessageWrite[]>,
  ) {
    const alice = await member(storage(), `pgc-order-alice-${key}`, null);
    const bob = await member(storage(), `pgc-order-bob-${key}`, null);
    const chat = await chatOf(storage(), alice, [bob]);
    const batchA = [{ row: message(chat, alice, { data: "AAAI" }) }, ...(await alsoInA(alice))];
    // Two nodes: two committers, each on a pool of its own, over one database.
    const otherNode = openStorage({ kind: "postgres", url: testDatabaseUrl, schema: storage().schema });
    t.after(() => otherNode.close());
    const nodeA = new PostgresCommitter(storage().db, poolOf(storage()));
    const nodeB = new PostgresCommitter(otherNode.db, poolOf(otherNode));
    const reader = new Map<number, string>();
    const read = async (anchor?: number) => {
      const page = await listHistoryPage(storage().db, {
        chatId: chat,
        anchor: anchor === undefined ? undefined : { id: anchor, direction: "next" },
        filesOnly: false,
        readerId: alice.profileId,
        limit: 50,
        maxBytes: 1_000_000,
      });
      for (const row of page) reader.set(Number(row.id), row.data);
    };
    const { first, second } = await storage()
      .db.transaction()
      .execute(async (trx) => {
        await trx.selectFrom("profiles").select("id").where("id", "=", alice.profileId).forUpdate().execute();
        const first = nodeA.commit(batchA);
        while (!(await lockWaiters(trx))) await sleep(20);
        const second = nodeB.commit([{ row: message(chat, bob, { data: "AAAJ" }) }]);
        // Node B either commits or waits for a lock too; the reader reads then.
        let settled = false;
        void second.then(() => {
          settled = true;
        });
        while (!settled && !(await lockWaiters(trx, 2))) await sleep(20);
        await read();
        return { first, second };
      });
    const [outcomeA, outcomeB] = await Promise.all([first, second]);
    assert.equal(outcomeA.committed && outcomeB.committed, true);
    await read(Math.max(0, ...reader.keys()));
    assert.deepEqual([...reader.values()].sort(), ["AAAI", "AAAJ"]);
  }

  test("two nodes' one-chat batches become visible in id order: a reader past the later id never misses the earlier", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite has one writer per file)");
    await readerAcrossTwoNodes(t, "one-chat", async () => []);
  });

  test("a batch over several chats and another node's batch become visible in id order in their shared chat", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite has one writer per file)");
    await readerAcrossTwoNodes(t, "several-chats", async (alice) => [
      { row: message(await chatOf(storage(), alice, []), alice) },
    ]);
  });

  describeCuts(storage);
});

function poolOf(storage: Storage) {
  if (!storage.pool) throw new Error("a PostgreSQL storage without its pool");
  return storage.pool;
}

/** Commits whose connection a proxy between the pool and PostgreSQL cuts (PostgreSQL only). */
function describeCuts(storage: () => Storage): void {
  let cutter: StatementCutter;
  let proxied: Storage;
  let alice: Member;

  before(async () => {
    if (storage().dialect !== "postgres") return;
    cutter = new StatementCutter(new URL(testDatabaseUrl));
    const url = await cutter.start(testDatabaseUrl);
    proxied = openStorage({ kind: "postgres", url, schema: storage().schema });
    alice = await member(storage(), "pgc-cut-alice", "79990007002");
  });
  after(async () => {
    if (storage().dialect !== "postgres") return;
    await proxied.close();
    await cutter.stop();
  });

  /** A committer on the proxied pool, and the resolutions of the unanswered commits it reports. */
  function committerThroughCuts() {
    const resolutions: UnknownOutcomeResolution[] = [];
    const committer = new PostgresCommitter(proxied.db, poolOf(proxied), {
      onUnknownOutcome: (resolution) => resolutions.push(resolution),
    });
    return { committer, resolutions };
  }

  async function storedIds(chatId: string): Promise<number[]> {
    const rows = await storage()
      .db.selectFrom("messages")
      .select("id")
      .where("chat_id", "=", chatId)
      .execute();
    return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
  }

  const lone = (chatId: string, data: string): MessageWrite => ({ row: message(chatId, alice, { data }) });

  test("a lone INSERT whose answer is lost is found committed, with its rows' ids in batch order, stored once", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite commits in-process)");
    const chat = await chatOf(storage(), alice, []);
    const cut = cutter.cutNext('insert into "messages"', "before-answer");
    const { committer, resolutions } = committerThroughCuts();
    const outcome = await committer.commit([lone(chat, "AAAB"), lone(chat, "AAAC")]);
    await cut;
    const stored = await storedIds(chat);
    assert.equal(stored.length, 2);
    assert.deepEqual(outcome, { committed: true, ids: stored });
    assert.deepEqual(resolutions, ["committed"]);
  });

  test("a COMMIT whose answer is lost is found committed, with its rows' ids in batch order", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite commits in-process)");
    const [first, second] = [await chatOf(storage(), alice, []), await chatOf(storage(), alice, [])];
    const cut = cutter.cutNext("commit", "before-answer");
    const { committer, resolutions } = committerThroughCuts();
    const outcome = await committer.commit([lone(second, "AAAD"), lone(first, "AAAE")]);
    await cut;
    const [secondId] = await storedIds(second);
    const [firstId] = await storedIds(first);
    assert.deepEqual(outcome, { committed: true, ids: [secondId, firstId] });
    assert.deepEqual(resolutions, ["committed"]);
  });

  test("a lone INSERT cut while it waits for its chat's lock is not taken as failed: it is waited for and found committed", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite commits in-process)");
    const chat = await chatOf(storage(), alice, []);
    const { committer, resolutions } = committerThroughCuts();
    // A membership change holds the chat; the insert reaches PostgreSQL, waits for it, and its connection goes.
    const { pending } = await storage()
      .db.transaction()
      .execute(async (trx) => {
        await lockChats(trx, [chat]);
        const cut = cutter.cutNext('insert into "messages"', "after-statement");
        const twoLooks = cutter.seen("pg_stat_activity").then(() => cutter.seen("pg_stat_activity"));
        const pending = committer.commit([lone(chat, "AAAH")]);
        await cut;
        // Once the resolution has looked (nothing stored yet, its backend still at work) and comes back.
        await Promise.race([twoLooks, pending]);
        return { pending };
      });
    const outcome = await pending;
    const stored = await storedIds(chat);
    assert.equal(stored.length, 1);
    assert.deepEqual(outcome, { committed: true, ids: stored });
    assert.deepEqual(resolutions, ["committed"]);
  });

  test("a statement cut before it reaches PostgreSQL is failed, and nothing is stored", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite commits in-process)");
    const chat = await chatOf(storage(), alice, []);
    const cut = cutter.cutNext('insert into "messages"', "before-statement");
    const { committer, resolutions } = committerThroughCuts();
    const outcome = await committer.commit([lone(chat, "AAAF")]);
    await cut;
    assert.equal(outcome.committed, false);
    assert.deepEqual(await storedIds(chat), []);
    assert.deepEqual(resolutions, ["failed"]);
  });

  test("a lost answer whose outcome cannot be learnt within the bound rejects the batch: an unknown outcome, which the writer never retries", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite commits in-process)");
    const chat = await chatOf(storage(), alice, []);
    // The statement runs; then the only way to the database (the proxy) refuses every connection.
    const proxy = new StatementCutter(new URL(testDatabaseUrl));
    const isolated = openStorage({
      kind: "postgres",
      url: await proxy.start(testDatabaseUrl),
      schema: storage().schema,
    });
    t.after(() => isolated.close());
    const cut = proxy.cutNext('insert into "messages"', "before-answer").then(() => proxy.stop());
    const committer = new PostgresCommitter(isolated.db, poolOf(isolated), { resolveWithinMs: 300 });
    await assert.rejects(committer.commit([lone(chat, "AAAG")]), UnresolvedCommitError);
    await cut;
    assert.equal((await storedIds(chat)).length, 1);
  });
}
