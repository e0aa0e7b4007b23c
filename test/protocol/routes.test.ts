import assert from "node:assert/strict";
import { test } from "node:test";
import type { TObject } from "@sinclair/typebox";
import { apiMethods, fileDownloadPath, type MethodName } from "../../src/protocol/routes.ts";

const names = Object.keys(apiMethods) as MethodName[];

test("the table holds the spec's ten methods, each at /api/<name>/", () => {
  assert.equal(names.length, 10);
  for (const name of names) assert.equal(apiMethods[name].path, `/api/${name}/`);
});

test("every method that takes a token has it as an optional body field (it may come in a header)", () => {
  for (const name of names) {
    const { auth } = apiMethods[name];
    const request: TObject = apiMethods[name].request;
    if (auth === "none") assert.equal(request.properties.token, undefined, name);
    else assert.ok(request.properties.token && !request.required?.includes("token"), name);
  }
});

test("sendMessage alone has the upload body limit", () => {
  assert.deepEqual(
    names.filter((name) => apiMethods[name].bodyLimit === "upload"),
    ["sendMessage"],
  );
});

test("only auth and confirmAuth are rate-limited per address", () => {
  assert.deepEqual(
    names.filter((name) => apiMethods[name].rateLimited),
    ["auth", "confirmAuth"],
  );
});

test("the download path percent-encodes its parameters", () => {
  assert.equal(fileDownloadPath({ chat: "a/b", file: "c d" }), "/api/file/a%2Fb/c%20d");
});
