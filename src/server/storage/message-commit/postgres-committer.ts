import type { Executor } from "../repositories/executor.ts";
import { insertMessages, releaseLocalId } from "../repositories/messages.ts";
import type { BatchCommitter, BatchOutcome, MessageWrite } from "./batch-committer.ts";

/**
 * Commits a batch through Kysely on the shared pool (PostgreSQL, whose commits do not block the event loop):
 * one multi-row INSERT … RETURNING. Alone it is its own transaction (one round trip instead of BEGIN, INSERT,
 * COMMIT); a batch that releases a stale localId runs the releases and the insert in one transaction.
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
    if (batch.every((one) => one.releaseLocalIdOf === undefined)) return write(this.db, batch);
    return this.db.transaction().execute((trx) => write(trx, batch));
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
