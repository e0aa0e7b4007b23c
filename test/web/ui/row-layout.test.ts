import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ESTIMATED_ROW_PX,
  indexOfId,
  RowHeights,
  rowAt,
  rowsCovering,
} from "../../../web/src/ui/row-layout.ts";

test("rows never measured take the estimate, measured rows their height, each followed by the gap", () => {
  const heights = new RowHeights();
  heights.set(20, 30.5);
  assert.deepEqual(
    [...heights.tops([10, 20, 30], 8)],
    [0, ESTIMATED_ROW_PX + 8, ESTIMATED_ROW_PX + 46.5, ESTIMATED_ROW_PX * 2 + 54.5],
  );
});

test("a height recorded again unchanged is not a change", () => {
  const heights = new RowHeights();
  assert.equal(heights.set(1, 40), true);
  assert.equal(heights.set(1, 40), false);
  assert.equal(heights.set(1, 41), true);
});

test("the row at a point is the last whose top is at or above it, the first for a point above the list", () => {
  const tops = Float64Array.from([0, 10, 30, 60]);
  assert.equal(rowAt(tops, -5), 0);
  assert.equal(rowAt(tops, 10), 1);
  assert.equal(rowAt(tops, 29.9), 1);
  assert.equal(rowAt(tops, 500), 2);
});

test("the rows covering a stretch include both rows its ends fall in", () => {
  const tops = Float64Array.from([0, 10, 30, 60, 100]);
  assert.deepEqual(rowsCovering(tops, 15, 35), { start: 1, end: 3 });
  assert.deepEqual(rowsCovering(tops, -100, 1000), { start: 0, end: 4 });
  assert.deepEqual(rowsCovering(new Float64Array(1), 0, 100), { start: 0, end: 0 });
});

test("a message id is found by its index in ascending ids, -1 when absent", () => {
  assert.equal(indexOfId([3, 7, 9, 20], 9), 2);
  assert.equal(indexOfId([3, 7, 9, 20], 8), -1);
  assert.equal(indexOfId([], 1), -1);
});
