import assert from "node:assert/strict";
import { test } from "node:test";
import { SendMessageRequest } from "../../../src/protocol/schemas/messages.ts";
import { validated, validatedForm } from "./validate.ts";

const chat = "5f0c8a4e-2b7d-4c61-9a3e-0d2f7b1c9e11";
const send = { chat, text: "Y2lwaGVy", sign: "c2ln", cid: 7 };

test("a send without keyId (v1) is accepted: the server labels it with the current epoch", () => {
  assert.deepEqual(validated(SendMessageRequest, send), send);
});

test("a send names its key epoch, as a number or a form's string", () => {
  assert.equal(validated(SendMessageRequest, { ...send, keyId: 3 })?.keyId, 3);
  assert.equal(validatedForm(SendMessageRequest, `chat=${chat}&text=Y2lwaGVy&cid=7&keyId=3`)?.keyId, 3);
});

test("a key epoch below 1, fractional or above 2^53-1 is refused", () => {
  for (const keyId of [0, -1, 2.5, 2 ** 53])
    assert.equal(validated(SendMessageRequest, { ...send, keyId }), undefined, String(keyId));
});
