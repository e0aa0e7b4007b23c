import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReadMarks } from "../../../web/src/chat/read-marks.ts";

/** Web Storage's getItem/setItem over a Map (Node has no localStorage); the page's own is used in test/e2e. */
function storage(): Pick<Storage, "getItem" | "setItem"> {
  const items = new Map<string, string>();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => void items.set(key, value) };
}

describe("ReadMarks", () => {
  it("reads 0 for a chat never read on this device", () => {
    assert.equal(new ReadMarks(7, storage()).lastRead("chat-a"), 0);
  });

  it("keeps the last message read per chat", () => {
    const marks = new ReadMarks(7, storage());
    marks.markRead("chat-a", 12);
    marks.markRead("chat-b", 30);
    assert.deepEqual([marks.lastRead("chat-a"), marks.lastRead("chat-b")], [12, 30]);
  });

  it("never moves a mark back", () => {
    const marks = new ReadMarks(7, storage());
    marks.markRead("chat-a", 12);
    assert.equal(marks.markRead("chat-a", 5), false);
    assert.equal(marks.lastRead("chat-a"), 12);
  });

  it("keeps each profile's marks apart in the same storage", () => {
    const shared = storage();
    new ReadMarks(7, shared).markRead("chat-a", 12);
    assert.equal(new ReadMarks(8, shared).lastRead("chat-a"), 0);
  });

  it("reads a value that is not a message id as nothing read", () => {
    const shared = storage();
    shared.setItem("certchat.read.7.chat-a", "garbage");
    assert.equal(new ReadMarks(7, shared).lastRead("chat-a"), 0);
  });

  it("goes on when the storage refuses to write (private mode, quota)", () => {
    const refusing = {
      getItem: () => null,
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    assert.equal(new ReadMarks(7, refusing).markRead("chat-a", 3), true);
  });
});
