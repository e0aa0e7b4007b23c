import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { type FromWorker, type ToWorker, WorkerReportedError } from "./protocol.ts";

const BOOTSTRAP = new URL("./bootstrap.mjs", import.meta.url);

/**
 * What a worker runs: a module and the name of its export that serves (started through bootstrap.mjs), or a
 * JavaScript entry run as it is (tests' stand-in workers). The module is named by its `.ts` source; built
 * (npm run build), the compiled `.js` beside it runs instead.
 */
export type WorkerEntry = { module: URL; run: string } | URL;

export interface WorkerThreadOptions {
  /** Names the worker in errors: "<name> exited with code 1". */
  name: string;
  entry: WorkerEntry;
  workerData?: unknown;
  /** Lets the process exit while the worker idles. */
  unref?: boolean;
}

/** The worker exited (it crashed, was terminated or could not start) before it answered. */
export class WorkerExitError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "WorkerExitError";
  }
}

/** The `.ts` module when run from source, else the compiled `.js` beside where it was. */
function sourceOrBuilt(module: URL): URL {
  if (!module.pathname.endsWith(".ts") || existsSync(module)) return module;
  return new URL(module.href.replace(/\.ts$/, ".js"));
}

interface Pending<Answer> {
  resolve(answer: Answer): void;
  reject(error: Error): void;
}

/**
 * One worker thread as its parent sees it (serve-parent.ts is the worker's side): requests carry ids and are
 * matched to their answers, notices get none, and a worker that exits fails every request it had not
 * answered. Requests sent before the worker is ready wait in its port.
 */
export class WorkerThread<Request, Answer, Notice = never> {
  /** Resolves once the worker's setup ran; rejects with why it could not start. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending<Answer>>();
  private readonly exitListeners: ((why: WorkerExitError) => void)[] = [];
  private readonly exited: Promise<void>;
  private nextId = 0;
  private exitError: WorkerExitError | undefined;

  constructor(options: WorkerThreadOptions) {
    const { entry } = options;
    this.worker =
      entry instanceof URL
        ? new Worker(entry, { workerData: options.workerData })
        : new Worker(BOOTSTRAP, {
            workerData: options.workerData,
            argv: [sourceOrBuilt(entry.module).href, entry.run],
          });
    if (options.unref) this.worker.unref();
    let ready: Pending<void> | undefined;
    this.ready = new Promise((resolve, reject) => {
      ready = { resolve, reject };
    });
    // Who does not wait for ready learns of a failed start from its requests.
    this.ready.catch(() => undefined);
    let lastError: Error | undefined;
    this.worker.on("message", (message: FromWorker<Answer>) => {
      if (message.kind === "ready") ready?.resolve();
      else if (message.kind === "setup-failed") lastError = new WorkerReportedError(message.error);
      else {
        const request = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.kind === "answer") request?.resolve(message.body);
        else request?.reject(new WorkerReportedError(message.error));
      }
    });
    this.worker.on("error", (error) => {
      lastError = error;
    });
    this.exited = new Promise((resolve) => {
      this.worker.on("exit", (code) => {
        const why = lastError
          ? new WorkerExitError(lastError.message, { cause: lastError })
          : new WorkerExitError(`${options.name} exited with code ${code}`);
        this.exitError = why;
        ready?.reject(why);
        for (const request of this.pending.values()) request.reject(why);
        this.pending.clear();
        for (const listener of this.exitListeners) listener(why);
        resolve();
      });
    });
  }

  /** Resolves with the worker's answer; rejects with its handler's error or with why it exited. */
  request(body: Request): Promise<Answer> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ kind: "request", id, body });
    });
  }

  notify(body: Notice): void {
    if (!this.exitError) this.post({ kind: "notice", body });
  }

  /** Called once, when the worker exits, with why (after its unanswered requests were failed). */
  onExit(listener: (why: WorkerExitError) => void): void {
    this.exitListeners.push(listener);
  }

  /** Lets the worker handle what it was sent and run its close handler; resolves once it exited. */
  async close(): Promise<void> {
    if (!this.exitError) this.post({ kind: "close" });
    await this.exited;
  }

  /** Stops the worker at once, failing what it had not answered; resolves once it exited. */
  async terminate(): Promise<void> {
    await this.worker.terminate();
    await this.exited;
  }

  private post(message: ToWorker<Request, Notice>): void {
    this.worker.postMessage(message);
  }
}
