import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { sql } from "kysely";
import { PostgresCommitter } from "../../../../src/server/storage/message-commit/postgres-committer.ts";
import { lockChats } from "../../../../src/server/storage/repositories/chats.ts";
import { describeEachBackend } from "../../../support/storage.ts";
import { chatOf, member, message } from "../repositories/fixtures.ts";

describeEachBackend("PostgresCommitter", (storage) => {
  async function lockWaiters(): Promise<boolean> {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
      where wait_event_type = 'Lock' and datname = current_database()`.execute(storage().db);
    return (rows[0]?.n ?? 0) > 0;
  }

  test("a batch whose rows arrive in descending chat order and a change locking the chats ascending do not deadlock", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("PostgreSQL only (SQLite serialises writers)");
    const alice = await member(storage(), "pgc-alice", "79990007001");
    const [first, second] = [
      await chatOf(storage(), alice, []),
      await chatOf(storage(), alice, []),
    ].sort() as [string, string];
    const committer = new PostgresCommitter(storage().db);
    // A membership change (chatsKeys) holds the first chat, the batch starts, then the change takes the second.
    const { batch } = await storage()
      .db.transaction()
      .execute(async (trx) => {
        await lockChats(trx, [first]);
        const pending = committer.commit([{ row: message(second, alice) }, { row: message(first, alice) }]);
        while (!(await lockWaiters())) await sleep(20);
        await lockChats(trx, [second]);
        return { batch: pending };
      });
    const outcome = await batch;
    assert.equal(outcome.committed, true, outcome.committed ? "" : String(outcome.error));
  });
});
