import assert from "node:assert/strict";
import { test } from "node:test";
import { yieldToEventLoop } from "../../src/client/yield-to-event-loop.ts";

test("yielding lets a task queued before it run first, which awaiting a promise does not", async () => {
  const order: string[] = [];
  setImmediate(() => order.push("other task"));
  await Promise.resolve();
  order.push("after a promise");
  await yieldToEventLoop();
  order.push("after the yield");
  assert.deepEqual(order, ["after a promise", "other task", "after the yield"]);
});
