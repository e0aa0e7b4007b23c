import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ApiError,
  describeErrorCode,
  type ErrorCode,
  ErrorCodes,
  rawStatusOf,
} from "../../src/protocol/errors.ts";

test("the catalogue holds the spec's 25 codes and certchat's own, each exactly once", () => {
  assert.equal(new Set(ErrorCodes).size, ErrorCodes.length);
  assert.equal(ErrorCodes.length, 26);
});

test("the catalogue keeps the spec's order, then certchat's own codes (the OpenAPI enum lists it)", () => {
  assert.deepEqual(ErrorCodes.slice(0, 3), ["CommonError", "DataError", "MethodNotFound"]);
  assert.equal(ErrorCodes[24], "GetChatsError");
  assert.deepEqual(ErrorCodes.slice(25), ["ChatKeyOutdated"]);
});

test("ChatKeyOutdated answers 409 Conflict off the HTTP-200 path", () => {
  assert.equal(rawStatusOf("ChatKeyOutdated"), 409);
});

test("every code has its own sentence, not the code itself", () => {
  const sentences = ErrorCodes.map(describeErrorCode);
  for (const [i, code] of ErrorCodes.entries()) assert.notEqual(sentences[i], code);
  assert.equal(new Set(sentences).size, sentences.length);
});

test("a code outside the catalogue (a foreign server's) is described as itself", () => {
  assert.equal(describeErrorCode("SomethingElse" as ErrorCode), "SomethingElse");
});

test("every code's raw-path status is an HTTP error status", () => {
  for (const code of ErrorCodes) {
    const status = rawStatusOf(code);
    assert.ok(status >= 400 && status < 600, `${code}: ${status}`);
  }
});

test("the raw download's statuses are those docs/API.md names", () => {
  for (const code of [
    "NeedAuthentication",
    "SessionExpired",
    "CertificateExpired",
    "InvalidCertificate",
    "NeedRegisterPhone",
  ] as const) {
    assert.equal(rawStatusOf(code), 401, code);
  }
  assert.equal(rawStatusOf("GetChatsError"), 404);
  assert.equal(rawStatusOf("DataError"), 404);
  assert.equal(rawStatusOf("InvalidSchema"), 400);
  assert.equal(rawStatusOf("CommonError"), 500);
});

test("ApiError keeps its code and hides the detail from the code", () => {
  const error = new ApiError("InvalidSchema", "field x");
  assert.equal(error.code, "InvalidSchema");
  assert.equal(error.detail, "field x");
});
