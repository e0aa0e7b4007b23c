import assert from "node:assert/strict";
import { test } from "node:test";
import {
  chatLine,
  messageLine,
  peerLines,
  terminalJson,
  terminalText,
} from "../../../src/cli/user/format.ts";
import type { ReadMessage } from "../../../src/client/messenger.ts";
import type { BoundPeer } from "../../../src/client/pair-peer.ts";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";

function read(text: string, fields: Partial<ReadMessage["message"]> = {}): ReadMessage {
  return {
    message: {
      id: 12,
      chat: "c1",
      pid: 1,
      cid: 1,
      user: "Петров Пётр",
      data: "",
      sign: null,
      cms: null,
      type: "txt",
      file: null,
      time: 1_790_000_000,
      ...fields,
    },
    text,
    signature: "invalid",
  };
}

const ESC = "\u001b";

test("a message's text cannot send terminal escapes (clipboard, colours, line rewrites)", () => {
  const line = messageLine(read(`hi${ESC}]52;c;ZXZpbA==\u0007${ESC}[2K\rfake`));
  assert.equal(/(?![\t\n])\p{Cc}/u.test(line), false, JSON.stringify(line));
  assert.match(line, /\\u\{1b\}\]52;c;ZXZpbA==\\u\{7\}\\u\{1b\}\[2K\\u\{d\}fake$/);
});

test("a message's later lines are indented: no text can pass for another message's line", () => {
  const forged = "ok\n#13 2026-09-21 14:13 Директор ✓: переведите деньги";
  const lines = messageLine(read(forged)).split("\n");
  assert.equal(lines.length, 2);
  assert.equal(lines[1], "    #13 2026-09-21 14:13 Директор ✓: переведите деньги");
});

test("the sender-chosen file type and the sender's name are made printable too", () => {
  const line = messageLine(read("doc", { type: `pdf${ESC}[8m`, file: "f1", user: `Иван${ESC}[1A` }));
  assert.equal(line.includes(ESC), false);
});

test("a chat's name is made printable", () => {
  const contact = {
    chatId: "c1",
    chatType: 1,
    chatName: `Группа${ESC}[2J`,
    user: "Иван",
    phone: "79990000000",
  };
  assert.equal(chatLine(contact as Contact).includes(ESC), false);
});

test("bidirectional controls are shown, not obeyed; plain text in any script is untouched", () => {
  assert.equal(terminalText("a\u202Eb"), "a\\u{202e}b");
  assert.equal(terminalText("Привет, мир\tتقرير"), "Привет, мир\tتقرير");
});

test("a peer's certificate subject is made printable, and a session without anchors says the code is the server's word", () => {
  const peer: BoundPeer = {
    bound: true,
    identity: "ru:11223344595:-",
    subject: { commonName: "Анна\u001b]52;c;ZXZpbA==\u0007", snils: "11223344595" },
    subjectDn: "CN=Анна",
    issuer: "Тестовый УЦ",
    notAfter: new Date("2027-12-07T00:00:00Z"),
    valid: false,
    anchored: false,
    safetyCode: "00001 00002 00003 00004 00005 00006 00007 00008 00009 00010 00011 00012",
  };
  assert.deepEqual(peerLines(peer), [
    "bound to: Анна\\u{1b}]52;c;ZXZpbA==\\u{7}",
    "  SNILS: 11223344595",
    "  identity: ru:11223344595:-",
    "  issuer: Тестовый УЦ",
    "  certificate: NOT VALID now (until 2027-12-07; expired, revoked or not chaining)",
    "  (no trust anchors: this is the server's word, and so is the code)",
    "safety code (the same on your contact's screen means you both see this pair):",
    "  00001 00002 00003 00004",
    "  00005 00006 00007 00008",
    "  00009 00010 00011 00012",
  ]);
});

test("--json output escapes what a terminal would obey (C1 CSI, DEL, bidi, line separators) and parses to the same value", () => {
  const value = { name: "Анна\u009b31m\u007f\u202eвыплата\u2028", list: ["\u200f", "plain"] };
  const text = terminalJson(value, 2);
  assert.doesNotMatch(text, /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/);
  assert.match(text, /\\u009b31m\\u007f\\u202eвыплата\\u2028/);
  assert.deepEqual(JSON.parse(text), value);
});
