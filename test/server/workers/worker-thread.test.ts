import assert from "node:assert/strict";
import { test } from "node:test";
import { WorkerExitError, WorkerThread } from "../../../src/server/workers/worker-thread.ts";
import type { TestRequest, TestWorkerData } from "./test-worker.ts";

const TEST_WORKER = { module: new URL("./test-worker.ts", import.meta.url), run: "runTestWorker" };

function startTestWorker(workerData: TestWorkerData = {}) {
  return new WorkerThread<TestRequest, string | string[], string>({
    name: "test worker",
    entry: TEST_WORKER,
    workerData,
  });
}

test("each request gets its own answer, whatever order the answers come in", async () => {
  const thread = startTestWorker();
  try {
    const answers = await Promise.all([
      thread.request({ kind: "echo", value: "slow", delayMs: 50 }),
      thread.request({ kind: "echo", value: "fast" }),
    ]);
    assert.deepEqual(answers, ["slow", "fast"]);
  } finally {
    await thread.terminate();
  }
});

test("a handler's error comes back with its message and code, and the worker serves on", async () => {
  const thread = startTestWorker();
  try {
    await assert.rejects(thread.request({ kind: "throw", message: "refused", code: "E_TEST" }), {
      message: "refused",
      code: "E_TEST",
    });
    assert.equal(await thread.request({ kind: "echo", value: "still here" }), "still here");
  } finally {
    await thread.terminate();
  }
});

test("notices get no answer and are handled before the requests sent after them", async () => {
  const thread = startTestWorker();
  try {
    thread.notify("first");
    thread.notify("second");
    assert.deepEqual(await thread.request({ kind: "notices" }), ["first", "second"]);
  } finally {
    await thread.terminate();
  }
});

test("a setup that throws fails ready and the requests sent meanwhile, with its message", async () => {
  const thread = startTestWorker({ failSetup: "cannot open the database" });
  const request = thread.request({ kind: "echo", value: "never" });
  await assert.rejects(thread.ready, { name: "WorkerExitError", message: "cannot open the database" });
  await assert.rejects(request, /cannot open the database/);
});

test("a worker that exits fails what it had not answered and tells onExit why", async () => {
  const thread = startTestWorker();
  const heard: Error[] = [];
  thread.onExit((why) => heard.push(why));
  await thread.ready;
  const waiting = thread.request({ kind: "echo", value: "late", delayMs: 10_000 });
  await assert.rejects(thread.request({ kind: "exit", code: 5 }), /test worker exited with code 5/);
  await assert.rejects(waiting, WorkerExitError);
  assert.equal(heard.length, 1);
  await assert.rejects(thread.request({ kind: "echo", value: "after" }), WorkerExitError);
});

test("close lets the worker answer what it was sent and run its close handler, then waits for its exit", async () => {
  const closed = new SharedArrayBuffer(4);
  const thread = startTestWorker({ closed });
  const answer = thread.request({ kind: "echo", value: "before close" });
  await thread.close();
  assert.equal(await answer, "before close");
  assert.equal(Atomics.load(new Int32Array(closed), 0), 1);
});
