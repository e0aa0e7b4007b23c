import assert from "node:assert/strict";
import { test } from "node:test";
import { Value } from "@sinclair/typebox/value";
import { serverEvents } from "../../src/protocol/events.ts";

const chatId = "5f0c8a4e-2b7d-4c61-9a3e-0d2f7b1c9e11";

test("the server emits the live message (both generations) and the five membership events", () => {
  assert.deepEqual(Object.keys(serverEvents), [
    "messages",
    "message",
    "chatAdded",
    "chatRemoved",
    "chatKeysAdded",
    "chatWaitList",
    "chatChanged",
  ]);
});

test("chatAdded carries the role as the wire spells it, not the stored number", () => {
  const event = { chatId, chatType: 1, chatName: "Team", role: "member", keyId: 1, by: 3 };
  assert.ok(Value.Check(serverEvents.chatAdded, event));
  assert.ok(!Value.Check(serverEvents.chatAdded, { ...event, role: 0 }));
});

test("chatRemoved says whether the member was removed or left", () => {
  assert.ok(Value.Check(serverEvents.chatRemoved, { chatId, reason: "left", by: 3 }));
  assert.ok(!Value.Check(serverEvents.chatRemoved, { chatId, reason: "kicked", by: 3 }));
});

test("chatWaitList carries whole wait entries", () => {
  const entry = {
    pid: 3,
    cid: 7,
    cert: "MII=",
    since: 1,
    keyIds: [1, 2],
    wrapWith: null,
    fulfillable: true,
    refused: [],
  };
  assert.ok(Value.Check(serverEvents.chatWaitList, { chatId, keyId: 2, waitList: [entry] }));
  const { fulfillable: _, ...partial } = entry;
  assert.ok(!Value.Check(serverEvents.chatWaitList, { chatId, keyId: 2, waitList: [partial] }));
});
