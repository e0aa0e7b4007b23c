import assert from "node:assert/strict";
import { test } from "node:test";
import { reconnectDelay } from "../../../bench/lib/backoff.ts";

test("the first reconnection waits 1 s moved by up to ±50%, as socket.io-client's backoff", () => {
  // rand 0.2: floor(2) is even, so the deviation is subtracted; rand 0.35: floor(3.5) odd, added.
  assert.equal(
    reconnectDelay(0, () => 0.2),
    1000 - Math.floor(0.2 * 0.5 * 1000),
  );
  assert.equal(
    reconnectDelay(0, () => 0.35),
    1000 + Math.floor(0.35 * 0.5 * 1000),
  );
});

test("each failed attempt doubles the reconnection delay up to the 5 s cap", () => {
  assert.equal(
    reconnectDelay(1, () => 0),
    2000,
  );
  assert.equal(
    reconnectDelay(2, () => 0),
    4000,
  );
  assert.equal(
    reconnectDelay(3, () => 0),
    5000,
  );
  assert.equal(
    reconnectDelay(30, () => 0.35),
    5000,
  );
});
