import assert from "node:assert/strict";
import { test } from "node:test";
import { alternating, median } from "../../../bench/lib/alternate.ts";

test("alternating runs the sides in turn, reversing the order on every other repetition", async () => {
  const order: string[] = [];
  const side = (name: string) => async () => {
    order.push(name);
    return order.length;
  };
  const outcomes = await alternating(3, { a: side("a"), b: side("b") });
  assert.deepEqual(order, ["a", "b", "b", "a", "a", "b"]);
  assert.deepEqual(outcomes, { a: [1, 4, 5], b: [2, 3, 6] });
});

test("median takes the middle value of an odd count and the mean of the middle two of an even one", () => {
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});
