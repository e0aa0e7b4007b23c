import { OnDemandWorker } from "../../workers/on-demand-worker.ts";
import { WorkerReportedError } from "../../workers/protocol.ts";
import type { WorkerEntry } from "../../workers/worker-thread.ts";
import type { BatchCommitter, BatchOutcome, MessageWrite } from "./batch-committer.ts";
import type { CommitAnswer, CommitRequest, SqliteThreadSetup } from "./sqlite-thread.ts";

const SQLITE_THREAD: WorkerEntry = {
  module: new URL("./sqlite-thread.ts", import.meta.url),
  run: "runSqliteWriterThread",
};

/**
 * Commits message batches on a writer thread with its own SQLite connection (see sqlite-thread.ts), so the
 * event loop serves sockets and reads while a commit waits for its fsync. A thread that dies fails the batch
 * it held (its writes may or may not have committed; a client's retry with the same localId settles that)
 * and the next batch starts a new one. Ids need no lock to follow the commit order (docs/DECISIONS.md §13):
 * this one thread is the database file's only writer of messages, one transaction at a time.
 */
export class SqliteCommitter implements BatchCommitter {
  private readonly thread: OnDemandWorker<CommitRequest, CommitAnswer>;
  private closed = false;

  constructor(file: string, entry: WorkerEntry = SQLITE_THREAD) {
    this.thread = new OnDemandWorker({
      name: "SQLite writer thread",
      entry,
      workerData: { file } satisfies SqliteThreadSetup,
    });
  }

  /** Starts the thread now rather than on the first commit, and fails if it cannot open the database. */
  async start(): Promise<void> {
    await this.thread.current().ready;
  }

  async commit(batch: MessageWrite[]): Promise<BatchOutcome> {
    if (this.closed) throw new Error("the message writer is closed");
    const answer = await this.thread.current().request({ batch });
    // The driver's error as the thread reported it: the same message and code (isUniqueViolation reads it).
    return answer.committed ? answer : { committed: false, error: new WorkerReportedError(answer.error) };
  }

  /** Lets the thread finish the batch it holds, then closes its connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.thread.close();
  }
}
