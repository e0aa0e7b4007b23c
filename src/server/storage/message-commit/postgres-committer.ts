import type { Executor } from "../repositories/executor.ts";
import { insertMessages, releaseLocalId } from "../repositories/messages.ts";
import type { BatchCommitter, MessageWrite, WriteOutcome } from "./batch-committer.ts";

/**
 * Commits a batch through Kysely on the shared pool (PostgreSQL, whose commits do not block the event loop):
 * one multi-row INSERT … RETURNING. Alone it is its own transaction (one round trip instead of BEGIN, INSERT,
 * COMMIT); a batch that releases a stale localId runs the releases and the insert in one transaction.
 */
export class TransactionCommitter implements BatchCommitter {
  constructor(private readonly db: Executor) {}

  async commit(batch: MessageWrite[]): Promise<WriteOutcome[]> {
    try {
      const ids = await this.atomically(batch);
      return ids.map((id) => ({ ok: true, id }));
    } catch (error) {
      if (batch.length === 1) return [{ ok: false, error }];
    }
    const outcomes: WriteOutcome[] = [];
    for (const one of batch) {
      try {
        const [id] = await this.atomically([one]);
        outcomes.push({ ok: true, id: id as number });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
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
