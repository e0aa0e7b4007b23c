import assert from "node:assert/strict";
import { test } from "node:test";
import { CreateChatRequest } from "../../../src/protocol/schemas/chats.ts";
import { validated } from "./validate.ts";

const key = "AAECAwQFBgcICQ==";
const request = (row: object) => ({ type: 1, name: "Team", keys: [{ cid: 7, pid: 3, key, ...row }] });

test("a createChat key row without sign (v1) is accepted as it was", () => {
  assert.deepEqual(validated(CreateChatRequest, request({})), request({}));
});

test("a createChat key row may carry its signature, or null for none", () => {
  assert.equal(validated(CreateChatRequest, request({ sign: "c2ln" }))?.keys[0]?.sign, "c2ln");
  assert.equal(validated(CreateChatRequest, request({ sign: null }))?.keys[0]?.sign, null);
});

test("a createChat key row's signature that is not base64 text is refused", () => {
  assert.equal(validated(CreateChatRequest, request({ sign: "!!!! not base64" })), undefined);
});

test("a createChat key row's signature over 1400 characters is refused", () => {
  assert.equal(validated(CreateChatRequest, request({ sign: "A".repeat(1_401) })), undefined);
});

// Outside review (attack12): the name is shown to every member as stored, and signed over by the creator's key
// rows (so the server cannot clean it): U+202E reversed what followed it, an ESC sequence drove terminals.
test("a chat name with a bidirectional or control character is refused", () => {
  const named = (name: string) => ({ ...request({}), name });
  for (const name of [
    "Бухгалтерия\u202Eexe.fdp",
    "a\u2066b",
    "a\u061Cb",
    "a\u200Fb",
    "\u001B[31mRed",
    "a\nb",
    "a\u0085b",
  ])
    assert.equal(validated(CreateChatRequest, named(name)), undefined, JSON.stringify(name));
  assert.equal(validated(CreateChatRequest, named("Отдел продаж 2 — ✓"))?.name, "Отдел продаж 2 — ✓");
});
