import { parentPort } from "node:worker_threads";
import { type FromWorker, reportError, type ToWorker } from "./protocol.ts";

/** What a worker does with its parent's messages. */
export interface WorkerService<Request, Answer, Notice = never> {
  /** Answers one request; what it throws goes back as that request's error, and the worker serves on. */
  answer(request: Request): Answer | Promise<Answer>;
  notice?(notice: Notice): void;
  /** Runs when the parent closes the worker, after every earlier message was handled. */
  close?(): void;
}

/**
 * The worker's side of a WorkerThread: runs `setup` (open a database, load trust material), reports ready,
 * then serves the parent's messages in order. A setup that throws is reported as the reason the worker could
 * not start, and the worker exits.
 */
export async function serveParent<Request, Answer, Notice = never>(
  setup: () => WorkerService<Request, Answer, Notice> | Promise<WorkerService<Request, Answer, Notice>>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("serveParent runs in a worker thread");
  const post = (message: FromWorker<Answer>) => port.postMessage(message);
  let service: WorkerService<Request, Answer, Notice>;
  try {
    service = await setup();
  } catch (error) {
    post({ kind: "setup-failed", error: reportError(error) });
    return;
  }
  const answer = (id: number, request: Request) => {
    const failed = (error: unknown) => post({ kind: "failed", id, error: reportError(error) });
    try {
      const answered = service.answer(request);
      // A synchronous answer is posted before the next message is handled (a close then follows it).
      if (answered instanceof Promise) answered.then((body) => post({ kind: "answer", id, body }), failed);
      else post({ kind: "answer", id, body: answered });
    } catch (error) {
      failed(error);
    }
  };
  port.on("message", (message: ToWorker<Request, Notice>) => {
    if (message.kind === "request") answer(message.id, message.body);
    else if (message.kind === "notice") service.notice?.(message.body);
    else {
      service.close?.();
      port.close();
    }
  });
  post({ kind: "ready" });
}
