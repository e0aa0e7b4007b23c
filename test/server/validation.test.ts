import assert from "node:assert/strict";
import { test } from "node:test";
import { holdsNonFiniteNumber } from "../../src/server/validation.ts";

test("an infinite number at the top or nested in the schemas' depth is found", () => {
  assert.equal(holdsNonFiniteNumber(Number.POSITIVE_INFINITY), true);
  assert.equal(holdsNonFiniteNumber({ id: Number.NEGATIVE_INFINITY }), true);
  assert.equal(holdsNonFiniteNumber({ keys: [{ cid: Number.NaN }] }), true);
});

test("finite numbers, strings and missing fields are not refused", () => {
  assert.equal(holdsNonFiniteNumber({ id: 1, chat: "Infinity", keys: [{ cid: 2 }] }), false);
  assert.equal(holdsNonFiniteNumber(null), false);
});

test("fields deeper than any schema holds numbers are not walked", () => {
  assert.equal(holdsNonFiniteNumber({ a: { b: { c: { d: Number.POSITIVE_INFINITY } } } }), false);
});
