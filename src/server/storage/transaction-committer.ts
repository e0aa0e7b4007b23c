import type { BatchCommitter, MessageWrite, WriteOutcome } from "./message-batch.ts";
import type { Executor } from "./repositories/executor.ts";
import { insertMessages, releaseLocalId } from "./repositories/messages.ts";

/**
 * Commits a batch through Kysely on the shared pool: one multi-row INSERT … RETURNING in one transaction
 * (PostgreSQL, whose commits do not block the event loop).
 */
export class TransactionCommitter implements BatchCommitter {
  constructor(private readonly db: Executor) {}

  async commit(batch: MessageWrite[]): Promise<WriteOutcome[]> {
    try {
      const ids = await this.db.transaction().execute((trx) => write(trx, batch));
      return ids.map((id) => ({ ok: true, id }));
    } catch (error) {
      if (batch.length === 1) return [{ ok: false, error }];
    }
    const outcomes: WriteOutcome[] = [];
    for (const one of batch) {
      try {
        const [id] = await this.db.transaction().execute((trx) => write(trx, [one]));
        outcomes.push({ ok: true, id: id as number });
      } catch (error) {
        outcomes.push({ ok: false, error });
      }
    }
    return outcomes;
  }

  async close(): Promise<void> {}
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
