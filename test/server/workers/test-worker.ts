import { setTimeout as sleep } from "node:timers/promises";
import { workerData } from "node:worker_threads";
import { serveParent } from "../../../src/server/workers/serve-parent.ts";

/** What the helper tests ask of their worker. */
export type TestRequest =
  | { kind: "echo"; value: string; delayMs?: number }
  | { kind: "throw"; message: string; code: string }
  | { kind: "exit"; code: number }
  | { kind: "notices" };

export interface TestWorkerData {
  failSetup?: string;
  /** Set to 1 by the close handler. */
  closed?: SharedArrayBuffer;
}

/** A worker for test/server/workers: echoes, throws, exits or lists its notices as asked. */
export function runTestWorker(): void {
  const data = (workerData ?? {}) as TestWorkerData;
  void serveParent<TestRequest, string | string[], string>(() => {
    if (data.failSetup) throw new Error(data.failSetup);
    const notices: string[] = [];
    return {
      answer: async (request) => {
        if (request.kind === "echo") {
          if (request.delayMs) await sleep(request.delayMs);
          return request.value;
        }
        if (request.kind === "throw") throw Object.assign(new Error(request.message), { code: request.code });
        if (request.kind === "exit") process.exit(request.code);
        return notices;
      },
      notice: (notice) => notices.push(notice),
      close: () => {
        if (data.closed) Atomics.store(new Int32Array(data.closed), 0, 1);
      },
    };
  });
}
