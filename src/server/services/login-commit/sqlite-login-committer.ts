import { OnDemandWorker } from "../../workers/on-demand-worker.ts";
import { WorkerReportedError } from "../../workers/protocol.ts";
import type { WorkerEntry } from "../../workers/worker-thread.ts";
import type { LoginCommitter } from "./login-committer.ts";
import type { SessionConfirmation, SessionOpening } from "./login-transactions.ts";
import type {
  LoginBatchRequest,
  LoginWrite,
  LoginWriteOutcome,
  SqliteLoginThreadSetup,
} from "./sqlite-login-thread.ts";

const LOGIN_THREAD: WorkerEntry = {
  module: new URL("./sqlite-login-thread.ts", import.meta.url),
  run: "runSqliteLoginThread",
};

interface Pending {
  write: LoginWrite;
  resolve(outcome: LoginWriteOutcome & { ok: true }): void;
  reject(error: unknown): void;
}

/** The most writes one transaction takes (a batch is then answered in one message). */
const MAX_BATCH = 500;

/**
 * Group commit for login writes on SQLite (docs/PERFORMANCE.md, target 5): writes that arrive while a batch
 * is being committed wait and go together in the next transaction, on a thread of its own, so neither the
 * event loop nor each login waits for an fsync of its own. A caller is resolved only after its batch
 * committed. A thread that dies fails the batch it held (a login that is not answered is retried by the
 * client from /api/auth/); the next batch starts a new thread.
 */
export class SqliteLoginCommitter implements LoginCommitter {
  private readonly thread: OnDemandWorker<LoginBatchRequest, LoginWriteOutcome[]>;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  constructor(file: string, entry: WorkerEntry = LOGIN_THREAD) {
    this.thread = new OnDemandWorker({
      name: "SQLite login thread",
      entry,
      workerData: { file } satisfies SqliteLoginThreadSetup,
    });
  }

  /** Starts the thread now rather than on the first login, and fails if it cannot open the database. */
  async start(): Promise<void> {
    await this.thread.current().ready;
  }

  async openSession(opening: SessionOpening): Promise<void> {
    await this.enqueue({ kind: "open", opening });
  }

  async confirmSession(confirmation: SessionConfirmation): Promise<boolean> {
    const outcome = await this.enqueue({ kind: "confirm", confirmation });
    return outcome.confirmed === true;
  }

  async dropNonce(sessionId: number): Promise<void> {
    await this.enqueue({ kind: "drop-nonce", sessionId });
  }

  /** Commits what is queued, then lets the thread close its connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.thread.close();
  }

  private enqueue(write: LoginWrite): Promise<LoginWriteOutcome & { ok: true }> {
    if (this.closed) return Promise.reject(new Error("the login committer is closed"));
    return new Promise((resolve, reject) => {
      this.queue.push({ write, resolve, reject });
      // Wait one turn of the event loop so requests parsed in the same turn share the first commit.
      this.flushing ??= new Promise((done) => setImmediate(() => void this.flush().finally(done)));
    });
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) await this.commit(this.queue.splice(0, MAX_BATCH));
    this.flushing = undefined;
  }

  private async commit(batch: Pending[]): Promise<void> {
    let outcomes: LoginWriteOutcome[];
    try {
      outcomes = await this.thread.current().request({ writes: batch.map((pending) => pending.write) });
    } catch (error) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    batch.forEach((pending, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) pending.resolve(outcome);
      else
        pending.reject(
          outcome ? new WorkerReportedError(outcome.error) : new Error("no outcome for a login write"),
        );
    });
  }
}
