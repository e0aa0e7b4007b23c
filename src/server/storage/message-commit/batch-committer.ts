import type { NewMessage } from "../repositories/messages.ts";

/** One message waiting for the next commit. */
export interface MessageWrite {
  row: NewMessage;
  /** A stale message whose localId this insert takes over: cleared in the same transaction. */
  releaseLocalIdOf?: number;
}

/** What became of one write of a batch: its id once committed, or the error that kept it out. */
export type WriteOutcome = { ok: true; id: number } | { ok: false; error: unknown };

/**
 * Commits batches of message writes for MessageWriter, one batch at a time. A batch goes in one transaction;
 * if that fails, its writes are retried one per transaction so only the offending one fails. Outcomes are in
 * the order of the batch, and the ids of one batch increase in that order.
 */
export interface BatchCommitter {
  commit(batch: MessageWrite[]): Promise<WriteOutcome[]>;
  close(): Promise<void>;
}
