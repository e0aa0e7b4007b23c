import type { Executor } from "../repositories/executor.ts";
import { insertMessages, releaseLocalId } from "../repositories/messages.ts";
import type { BatchCommitter, BatchOutcome, MessageWrite } from "./batch-committer.ts";

/**
 * Commits a batch through Kysely on the shared pool (PostgreSQL, whose commits do not block the event loop):
 * one multi-row INSERT … RETURNING. A batch of one chat alone is its own transaction (one round trip instead
 * of BEGIN, INSERT, COMMIT); a batch over several chats, or one that releases a stale localId, runs in one
 * transaction that share-locks its chats first.
 */
export class PostgresCommitter implements BatchCommitter {
  constructor(private readonly db: Executor) {}

  async commit(batch: MessageWrite[]): Promise<BatchOutcome> {
    try {
      return { committed: true, ids: await this.atomically(batch) };
    } catch (error) {
      return { committed: false, error };
    }
  }

  async close(): Promise<void> {}

  private atomically(batch: MessageWrite[]): Promise<number[]> {
    const chatIds = [...new Set(batch.map((one) => one.row.chat_id))].sort();
    if (chatIds.length === 1 && batch.every((one) => one.releaseLocalIdOf === undefined))
      return write(this.db, batch);
    return this.db.transaction().execute(async (trx) => {
      // The insert trigger share-locks each row's chat in arrival order, while a membership change locks its
      // chats ascending (lockChats): taking them all ascending first keeps the two from deadlocking (§8.8).
      await trx
        .selectFrom("chats")
        .select("id")
        .where("id", "in", chatIds)
        .orderBy("id")
        .forShare()
        .execute();
      return write(trx, batch);
    });
  }
}

async function write(trx: Executor, batch: MessageWrite[]): Promise<number[]> {
  for (const { releaseLocalIdOf } of batch) {
    if (releaseLocalIdOf !== undefined) await releaseLocalId(trx, releaseLocalIdOf);
  }
  return insertMessages(
    trx,
    batch.map((one) => one.row),
  );
}
