import assert from "node:assert/strict";
import { test } from "node:test";
import { SendWindow } from "../../src/client/send-window.ts";

/** Enters the window and records, under `name`, when the send is admitted. */
function entering(window: SendWindow, admitted: string[], name: string, bytes: number, alone = false) {
  return window.enter(bytes, { alone }).then((leave) => {
    admitted.push(name);
    return leave;
  });
}

/** Lets every admission already due happen. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("at most `sends` are in flight; the next goes, in call order, when one leaves", async () => {
  const window = new SendWindow({ sends: 2, bytes: 1_000 });
  const admitted: string[] = [];
  const first = entering(window, admitted, "1", 1);
  entering(window, admitted, "2", 1);
  entering(window, admitted, "3", 1);
  entering(window, admitted, "4", 1);
  await settle();
  assert.deepEqual(admitted, ["1", "2"]);
  (await first)();
  await settle();
  assert.deepEqual(admitted, ["1", "2", "3"]);
});

test("sends in flight stay within `bytes`; a later small send does not overtake a waiting big one", async () => {
  const window = new SendWindow({ sends: 10, bytes: 100 });
  const admitted: string[] = [];
  const first = entering(window, admitted, "60", 60);
  entering(window, admitted, "50", 50);
  entering(window, admitted, "1", 1);
  await settle();
  assert.deepEqual(admitted, ["60"]);
  (await first)();
  await settle();
  assert.deepEqual(admitted, ["60", "50", "1"]);
});

test("a send bigger than the window goes when nothing else is in flight", async () => {
  const window = new SendWindow({ sends: 10, bytes: 100 });
  const admitted: string[] = [];
  const small = entering(window, admitted, "small", 1);
  entering(window, admitted, "huge", 1_000);
  await settle();
  assert.deepEqual(admitted, ["small"]);
  (await small)();
  await settle();
  assert.deepEqual(admitted, ["small", "huge"]);
  assert.equal(window.inFlight, 1);
});

test("a send that goes alone waits for those in flight, goes ahead of those waiting, and holds the rest back until it leaves", async () => {
  const window = new SendWindow({ sends: 2, bytes: 1_000 });
  const admitted: string[] = [];
  const first = entering(window, admitted, "1", 1);
  const second = entering(window, admitted, "2", 1);
  entering(window, admitted, "3", 1);
  const retry = entering(window, admitted, "retry", 1, true);
  await settle();
  (await first)();
  await settle();
  assert.deepEqual(
    admitted,
    ["1", "2"],
    "the retry waits for the second, and the third waits behind the retry",
  );
  (await second)();
  await settle();
  assert.deepEqual(admitted, ["1", "2", "retry"]);
  const leave = await retry;
  leave();
  leave();
  await settle();
  assert.deepEqual(admitted, ["1", "2", "retry", "3"]);
  assert.equal(window.inFlight, 1, "leaving twice counts once");
});

test("sends that go alone keep their own order", async () => {
  const window = new SendWindow({ sends: 10, bytes: 1_000 });
  const admitted: string[] = [];
  const first = entering(window, admitted, "1", 1);
  await settle();
  const retries = ["a", "b", "c"].map((name) => entering(window, admitted, name, 1, true));
  entering(window, admitted, "last", 1);
  await settle();
  assert.deepEqual(admitted, ["1"], "the last waits behind the alone ones, though the window has room");
  (await first)();
  for (const retry of retries) {
    await settle();
    (await retry)();
  }
  await settle();
  assert.deepEqual(admitted, ["1", "a", "b", "c", "last"]);
});
