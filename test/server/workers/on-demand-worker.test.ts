import assert from "node:assert/strict";
import { test } from "node:test";
import { OnDemandWorker } from "../../../src/server/workers/on-demand-worker.ts";
import type { TestRequest } from "./test-worker.ts";

test("after its worker exited, the next use starts a new one", async () => {
  const worker = new OnDemandWorker<TestRequest, string | string[], string>({
    name: "test worker",
    entry: { module: new URL("./test-worker.ts", import.meta.url), run: "runTestWorker" },
  });
  const first = worker.current();
  assert.equal(worker.current(), first);
  await assert.rejects(first.request({ kind: "exit", code: 1 }), /exited with code 1/);
  const second = worker.current();
  assert.notEqual(second, first);
  assert.equal(await second.request({ kind: "echo", value: "new worker" }), "new worker");
  await worker.close();
});
