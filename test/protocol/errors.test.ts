import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError, ErrorCodes } from "../../src/protocol/errors.ts";

test("the catalogue holds every code of the spec exactly once", () => {
  assert.equal(new Set(ErrorCodes).size, ErrorCodes.length);
  assert.equal(ErrorCodes.length, 25);
});

test("ApiError keeps its code and hides the detail from the code", () => {
  const error = new ApiError("InvalidSchema", "field x");
  assert.equal(error.code, "InvalidSchema");
  assert.equal(error.detail, "field x");
});
