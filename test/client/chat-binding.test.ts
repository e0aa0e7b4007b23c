import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chatBindings, isSignableChatId, pairBinding } from "../../src/client/chat-binding.ts";
import { createBinding } from "../../src/client/crypto/key-row-signature.ts";

describe("chat bindings", () => {
  it("names a pair the same whichever of the two asks", () => {
    assert.deepEqual(pairBinding(42, 7), pairBinding(7, 42));
    assert.deepEqual(pairBinding(7, 42), { binding: "pair:7:42", pids: [7, 42] });
  });

  it("binds a personal chat to its two members and a group to its type and name only", () => {
    assert.deepEqual(chatBindings({ chatType: 0, chatName: null }, 7, 42), {
      creation: createBinding(0, null),
      pair: pairBinding(7, 42),
    });
    assert.deepEqual(chatBindings({ chatType: 1, chatName: "Отдел" }, 7, 42), {
      creation: createBinding(1, "Отдел"),
    });
  });

  it("gives a personal chat whose contact names the caller a pair nobody else is in, not no pair", () => {
    assert.equal(chatBindings({ chatType: 0, chatName: null }, 7, 7).pair?.binding, "pair:7:7");
  });

  it("signs over a chat id, never over a server's chat id shaped like a pair or creation binding", () => {
    assert.equal(isSignableChatId("8f5321dd-8c38-4063-baba-3bf6b8b9e742"), true);
    assert.equal(isSignableChatId(pairBinding(7, 42).binding), false);
    assert.equal(isSignableChatId(createBinding(0, null)), false);
  });
});
