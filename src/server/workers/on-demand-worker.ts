import { WorkerThread, type WorkerThreadOptions } from "./worker-thread.ts";

/**
 * One worker, started when first needed and again at the first use after it exited: a worker that dies fails
 * only the requests it held.
 */
export class OnDemandWorker<Request, Answer, Notice = never> {
  private thread: WorkerThread<Request, Answer, Notice> | undefined;

  constructor(private readonly options: WorkerThreadOptions) {}

  /** The running worker, started now if there is none. */
  current(): WorkerThread<Request, Answer, Notice> {
    if (this.thread) return this.thread;
    const thread = new WorkerThread<Request, Answer, Notice>(this.options);
    thread.onExit(() => {
      if (this.thread === thread) this.thread = undefined;
    });
    this.thread = thread;
    return thread;
  }

  /** Closes the running worker, if any, once it handled what it was sent. */
  async close(): Promise<void> {
    await this.thread?.close();
  }

  /** Stops the running worker, if any, at once. */
  async terminate(): Promise<void> {
    await this.thread?.terminate();
  }
}
