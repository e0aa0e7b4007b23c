import assert from "node:assert/strict";
import { test } from "node:test";
import type { TObject } from "@sinclair/typebox";
import { apiMethods, fileDownloadPath, JSON_OR_FORM, type MethodName } from "../../src/protocol/routes.ts";

const names = Object.keys(apiMethods) as MethodName[];

const membershipMethods = [
  "chatMembers",
  "keys",
  "chatsKeys",
  "refuseKeys",
  "addMembers",
  "removeMember",
  "rotateKey",
  "leaveChat",
  "setRole",
];

test("the table holds the spec's ten methods, the nine membership methods and logout, each at /api/<name>/", () => {
  assert.equal(names.length, 20);
  assert.deepEqual(names.slice(10, 19), membershipMethods);
  assert.equal(names[19], "logout");
  for (const name of names) assert.equal(apiMethods[name].path, `/api/${name}/`);
});

test("the membership methods need a session with a phone and take JSON or forms, as the chat methods do", () => {
  for (const name of membershipMethods as MethodName[]) {
    const method = apiMethods[name];
    assert.equal(method.tag, "chats", name);
    assert.equal(method.auth, "sessionWithPhone", name);
    assert.equal(method.bodyLimit, "request", name);
    assert.deepEqual(method.contentTypes, JSON_OR_FORM, name);
  }
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
