import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { BatchCommitter, MessageWrite, WriteOutcome } from "./batch-committer.ts";
import type {
  CommitRequest,
  ThreadMessage,
  ThreadOutcome,
  WriterThreadSetup,
} from "./sqlite-thread-protocol.ts";

interface InFlight {
  resolve(outcomes: WriteOutcome[]): void;
  reject(error: Error): void;
}

/** The driver error as the thread reported it: the same message and code (isUniqueViolation reads it). */
function outcome(reported: ThreadOutcome): WriteOutcome {
  if (reported.ok) return reported;
  const error = Object.assign(new Error(reported.message), reported.code ? { code: reported.code } : {});
  return { ok: false, error };
}

/**
 * Commits message batches on a writer thread with its own SQLite connection (see thread.ts), so the event
 * loop serves sockets and reads while a commit waits for its fsync. A thread that dies fails the batch it
 * held (its writes may or may not have committed; a client's retry with the same localId settles that) and
 * the next batch starts a new one.
 */
export class SqliteThreadCommitter implements BatchCommitter {
  private worker: Promise<Worker> | undefined;
  private readonly inFlight = new Map<number, InFlight>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly file: string,
    private readonly threadUrl = new URL("./sqlite-thread.mjs", import.meta.url),
  ) {}

  /** Starts the thread now rather than on the first commit, and fails if it cannot open the database. */
  async start(): Promise<void> {
    await this.thread();
  }

  async commit(batch: MessageWrite[]): Promise<WriteOutcome[]> {
    if (this.closed) throw new Error("the message writer is closed");
    const worker = await this.thread();
    const id = this.nextId++;
    const outcomes = new Promise<WriteOutcome[]>((resolve, reject) =>
      this.inFlight.set(id, { resolve, reject }),
    );
    worker.postMessage({ id, batch } satisfies CommitRequest);
    return outcomes;
  }

  /** Lets the thread finish the batch it holds, then closes its connection. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = await this.worker?.catch(() => undefined);
    if (!worker) return;
    const exited = once(worker, "exit");
    worker.postMessage("close");
    await exited;
  }

  private thread(): Promise<Worker> {
    this.worker ??= this.spawn();
    return this.worker;
  }

  private spawn(): Promise<Worker> {
    const worker = new Worker(this.threadUrl, {
      workerData: { file: this.file } satisfies WriterThreadSetup,
    });
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      worker.on("message", (message: ThreadMessage) => {
        if (message.type === "ready") resolve(worker);
        else if (message.type === "failed") lastError = new Error(message.message);
        else this.settle(message.id, message.outcomes.map(outcome));
      });
      worker.on("error", (error) => {
        lastError = error;
      });
      worker.on("exit", (code) => {
        const why = lastError ?? new Error(`SQLite writer thread exited with code ${code}`);
        reject(why);
        this.worker = undefined;
        for (const pending of this.inFlight.values()) pending.reject(why);
        this.inFlight.clear();
      });
    });
  }

  private settle(id: number, outcomes: WriteOutcome[]): void {
    this.inFlight.get(id)?.resolve(outcomes);
    this.inFlight.delete(id);
  }
}
