import assert from "node:assert/strict";
import { test } from "node:test";
import type { Socket } from "socket.io-client";
import { checkDeliveries, isCleanFailure, Receiver } from "./load-clients.ts";

/** A receiver fed by hand: live ids as given, own acks as given. */
function receiverWith(live: number[], own: number[] = []): Receiver {
  const receiver = new Receiver("chat", { on: () => {} } as unknown as Socket);
  receiver.ids.push(...live);
  receiver.own.push(...own);
  return receiver;
}

test("the delivery check counts repeats, ids below an earlier one, missing and unacknowledged ids", () => {
  const check = checkDeliveries(
    [receiverWith([1, 3, 3, 2, 9], [4]), receiverWith([1, 2, 3, 4, 5])],
    () => [1, 2, 3, 4, 5],
    new Set([1, 2, 3, 4, 5]),
  );
  assert.deepEqual(check, { delivered: 9, duplicates: 1, outOfOrder: 1, lost: 1, phantom: 1 });
});

test("a socket's own ack is its copy: it completes delivery, and the same id live as well is a repeat", () => {
  const complete = checkDeliveries([receiverWith([1, 3], [2])], () => [1, 2, 3], new Set([1, 2, 3]));
  assert.deepEqual(complete, { delivered: 3, duplicates: 0, outOfOrder: 0, lost: 0, phantom: 0 });
  const echoed = checkDeliveries([receiverWith([1, 2], [2])], () => [1, 2], new Set([1, 2]));
  assert.equal(echoed.duplicates, 1);
});

test("a clean failure is exactly {success: false, error} with a code of the API", () => {
  assert.equal(isCleanFailure({ success: false, error: "CommonError" }), true);
  assert.equal(isCleanFailure({ success: false, error: "Internal Server Error" }), false);
  assert.equal(isCleanFailure({ success: false, error: "CommonError", stack: "at x" }), false);
  assert.equal(isCleanFailure({ statusCode: 500, error: "Internal Server Error" }), false);
  assert.equal(isCleanFailure(undefined), false);
});
