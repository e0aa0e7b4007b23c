import type { NewMessage } from "../repositories/messages.ts";

/** One message waiting for the next commit. */
export interface MessageWrite {
  row: NewMessage;
  /** A stale message whose localId this insert takes over: cleared in the same transaction. */
  releaseLocalIdOf?: number;
}

/** A batch's transaction committed (with the ids of its writes, in batch order) or was rolled back (why). */
export type BatchOutcome = { committed: true; ids: number[] } | { committed: false; error: unknown };

/**
 * Writes a batch of messages in one transaction for MessageWriter (start-committer.ts picks the one for the
 * storage). The ids of a batch increase in its order. A rejected promise means nobody knows whether the batch
 * committed (the SQLite writer thread died holding it; PostgreSQL could not be asked in time after the
 * commit's answer was lost), so it must not be retried. `committed: false` means it did not commit.
 */
export interface BatchCommitter {
  commit(batch: MessageWrite[]): Promise<BatchOutcome>;
  close(): Promise<void>;
}
