import { OnDemandWorker } from "../workers/on-demand-worker.ts";
import type { WorkerThread } from "../workers/worker-thread.ts";
import type { BodyNotice, ParseRequest, ParseVerdict } from "./body-parse-protocol.ts";

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
  private readonly worker = new OnDemandWorker<ParseRequest, ParseVerdict, BodyNotice>({
    name: "body-parse worker",
    entry: { module: new URL("./body-parse-worker.ts", import.meta.url), run: "runBodyParseWorker" },
    unref: true,
  });
  private nextId = 1;
  private closed = false;

  /** Starts the worker ahead of the first big body (its start-up is not free). */
  warm(): void {
    this.ensureWorker();
  }

  start(): ParseJob {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return {
      write: (chunk) => worker.notify({ kind: "chunk", id, bytes: chunk }),
      abort: () => worker.notify({ kind: "abort", id }),
      end: ({ form, whole }) => worker.request({ id, form, whole }),
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }

  private ensureWorker(): WorkerThread<ParseRequest, ParseVerdict, BodyNotice> {
    if (this.closed) throw new Error("the body parser is closed");
    return this.worker.current();
  }
}
