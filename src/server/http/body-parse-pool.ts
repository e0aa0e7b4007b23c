import { Worker } from "node:worker_threads";
import type { FromParser, ToParser } from "./body-parse-protocol.ts";

const WORKER_URL = new URL("./body-parse-worker.mjs", import.meta.url);

export type ParseVerdict = Extract<FromParser, { ok: true }> | Extract<FromParser, { ok: false }>;

/** One body being streamed to the worker. */
export interface ParseJob {
  write(chunk: Uint8Array): void;
  /** Ends the body and resolves with the worker's verdict. */
  end(options: { form: boolean; whole: boolean }): Promise<ParseVerdict>;
  abort(): void;
}

/**
 * One worker thread that parses the request bodies too big to parse on the event loop. Chunks are copied to it
 * as they arrive, so the main thread never holds a big body in one piece before its session is known. A worker
 * that dies fails the jobs it had and is started again for the next body.
 */
export class BodyParsePool {
  private worker?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(verdict: ParseVerdict): void; reject(error: Error): void }
  >();
  private closed = false;

  /** Starts the worker ahead of the first big body (its start-up is not free). */
  warm(): void {
    this.ensureWorker();
  }

  start(): ParseJob {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const post = (message: ToParser) => worker.postMessage(message);
    return {
      write: (chunk) => post({ kind: "chunk", id, bytes: chunk }),
      abort: () => post({ kind: "abort", id }),
      end: ({ form, whole }) =>
        new Promise<ParseVerdict>((resolve, reject) => {
          this.waiting.set(id, { resolve, reject });
          post({ kind: "end", id, form, whole });
        }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.closed) throw new Error("the body parser is closed");
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    worker.unref();
    worker.on("message", (verdict: FromParser) => {
      const waiter = this.waiting.get(verdict.id);
      this.waiting.delete(verdict.id);
      waiter?.resolve(verdict);
    });
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`body-parse worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }
}
