import type { Dialect } from "./migrations/column-types.ts";
import type { Executor } from "./repositories/executor.ts";
import { insertMessage, insertMessages, type NewMessage, releaseLocalId } from "./repositories/messages.ts";

/** One message waiting for the next commit. */
export interface MessageWrite {
  row: NewMessage;
  /** A stale message whose localId this insert takes over: cleared in the same transaction. */
  releaseLocalIdOf?: number;
}

interface Pending extends MessageWrite {
  resolve(id: number): void;
  reject(error: unknown): void;
}

export interface MessageWriterOptions {
  db: Executor;
  dialect: Dialect;
  /** The most rows one transaction takes (PostgreSQL allows 65535 bind parameters, 12 per row). */
  maxBatch?: number;
}

/**
 * Group commit for message inserts (DESIGN §7). Inserts that arrive while a commit is in flight wait and go
 * together in the next transaction: one multi-row INSERT … RETURNING on PostgreSQL, prepared inserts on
 * SQLite. A caller is resolved only after its transaction committed. One batch at a time, so ids increase
 * in commit order. If a batch fails (e.g. one row's localId is already taken), its rows are retried one per
 * transaction, so only the offending row fails.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private readonly maxBatch: number;

  constructor(private readonly options: MessageWriterOptions) {
    this.maxBatch = options.maxBatch ?? 1000;
  }

  /** Commits the row (with any localId release) and returns its id. */
  insert(write: MessageWrite): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...write, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // Wait one turn of the event loop so requests parsed in the same turn share the first commit.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.commit(batch);
    }
    this.flushing = false;
  }

  private async commit(batch: Pending[]): Promise<void> {
    let ids: number[];
    try {
      ids = await this.options.db.transaction().execute((trx) => this.write(trx, batch));
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else await this.commitOneByOne(batch);
      return;
    }
    batch.forEach((pending, index) => {
      pending.resolve(ids[index] as number);
    });
  }

  private async commitOneByOne(batch: Pending[]): Promise<void> {
    for (const pending of batch) {
      try {
        const [id] = await this.options.db.transaction().execute((trx) => this.write(trx, [pending]));
        pending.resolve(id as number);
      } catch (error) {
        pending.reject(error);
      }
    }
  }

  private async write(trx: Executor, batch: MessageWrite[]): Promise<number[]> {
    for (const { releaseLocalIdOf } of batch) {
      if (releaseLocalIdOf !== undefined) await releaseLocalId(trx, releaseLocalIdOf);
    }
    const rows = batch.map((write) => write.row);
    if (this.options.dialect === "postgres") return insertMessages(trx, rows);
    const ids: number[] = [];
    for (const row of rows) ids.push(await insertMessage(trx, row));
    return ids;
  }
}
