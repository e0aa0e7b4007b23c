import type { BatchCommitter, MessageWrite } from "./message-commit/batch-committer.ts";

export type { MessageWrite } from "./message-commit/batch-committer.ts";

/** What became of one write of a batch: its id once committed, or the error that kept it out. */
type WriteOutcome = { ok: true; id: number } | { ok: false; error: unknown };

interface Pending extends MessageWrite {
  resolve(id: number): void;
  reject(error: unknown): void;
  /** performance.now() at insert(). */
  enqueuedAt: number;
}

/** What the writer reports as it commits (metrics). */
export interface WriterObserver {
  /** A batch went to the committer and came back (whatever became of its rows). */
  batchCommitted(size: number): void;
  /** One message is committed, `waitedSeconds` after it was enqueued. */
  messageCommitted(waitedSeconds: number): void;
}

export interface MessageWriterOptions {
  /** Commits one batch (SQLite: on a writer thread; PostgreSQL: through the pool). */
  committer: BatchCommitter;
  /** The most rows one transaction takes (PostgreSQL allows 65535 bind parameters, 12 per row). */
  maxBatch?: number;
  observer?: WriterObserver;
}

/**
 * Group commit for message inserts (docs/PERFORMANCE.md, "The group commit"). Inserts that arrive while a
 * commit is in flight wait and go together in the next transaction. A caller is resolved only after its
 * transaction committed. One batch at a time, so ids increase in commit order. If a batch is rolled back
 * (e.g. one row's localId is already taken), its rows are retried one per transaction, so only the offending
 * row fails.
 */
export class MessageWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  private readonly maxBatch: number;
  /** Inserts taken, and inserts answered (committed or refused): answers come in the order inserts came. */
  private taken = 0;
  private answered = 0;
  /** settled() callers, each waiting for `answered` to reach its `taken` at the time of the call. */
  private settledWaiters: { until: number; done: () => void }[] = [];

  constructor(private readonly options: MessageWriterOptions) {
    this.maxBatch = options.maxBatch ?? 1000;
  }

  /** Commits the row (with any localId release) and returns its id. */
  insert(write: MessageWrite): Promise<number> {
    if (this.closed) return Promise.reject(new Error("the message writer is closed"));
    this.taken += 1;
    return new Promise((resolve, reject) => {
      this.queue.push({ ...write, resolve, reject, enqueuedAt: performance.now() });
      // Wait one turn of the event loop so requests parsed in the same turn share the first commit.
      this.flushing ??= new Promise((done) => setImmediate(() => void this.flush().finally(done)));
    });
  }

  /**
   * Resolves once every insert taken before this call has been answered (committed or refused), however many
   * come after it. A membership change waits for this before announcing itself, so that a message whose commit
   * came before the change's commit — on the writer's connection, its answer maybe not yet back — is announced
   * before the change (docs/DECISIONS.md §3).
   */
  settled(): Promise<void> {
    if (this.answered >= this.taken) return Promise.resolve();
    return new Promise((done) => this.settledWaiters.push({ until: this.taken, done }));
  }

  private answerMany(count: number): void {
    this.answered += count;
    while (this.settledWaiters.length > 0 && (this.settledWaiters[0]?.until ?? 0) <= this.answered)
      this.settledWaiters.shift()?.done();
  }

  /** Commits what is queued, then closes the committer. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.options.committer.close();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      await this.commit(batch);
    }
    this.flushing = undefined;
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: WriteOutcome[];
    try {
      outcomes = await this.outcomesOf(batch.map(({ row, releaseLocalIdOf }) => ({ row, releaseLocalIdOf })));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      this.answerMany(batch.length);
      return;
    }
    const observer = this.options.observer;
    const committedAt = performance.now();
    observer?.batchCommitted(batch.length);
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) {
        observer?.messageCommitted((committedAt - pending.enqueuedAt) / 1000);
        pending.resolve(outcome.id);
      } else pending.reject(outcome ? outcome.error : new Error("no outcome for a message write"));
    });
    this.answerMany(batch.length);
  }

  /**
   * The batch in one transaction; if that is rolled back, each write in a transaction of its own. A batch
   * whose fate is unknown (the committer rejected) fails whole: a retry could insert its rows twice.
   */
  private async outcomesOf(batch: MessageWrite[]): Promise<WriteOutcome[]> {
    const committer = this.options.committer;
    const whole = await committer.commit(batch);
    if (whole.committed) return whole.ids.map((id) => ({ ok: true, id }));
    if (batch.length === 1) return [{ ok: false, error: whole.error }];
    const outcomes: WriteOutcome[] = [];
    for (const write of batch) {
      const alone = await committer.commit([write]);
      outcomes.push(
        alone.committed ? { ok: true, id: alone.ids[0] as number } : { ok: false, error: alone.error },
      );
    }
    return outcomes;
  }
}
