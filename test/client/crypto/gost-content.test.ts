import assert from "node:assert/strict";
import { test } from "node:test";
import { type GostChatKey, generateChatKey } from "../../../src/client/crypto/chat-key.ts";
import { decryptGostContent, encryptGostContent } from "../../../src/client/crypto/gost-content.ts";
import { readVectorJson } from "../../support/vectors.ts";
import { fromHex, hex, utf8 } from "./helpers.ts";

interface KeyWrapVector {
  id: string;
  cek: string;
  content: { iv: string; sbox: string; ciphertext: string };
}

const { vectors } = readVectorJson<{ vectors: KeyWrapVector[] }>("gost-legacy/gost_keywrap.json");
const ktri256 = vectors.find((v) => v.id === "tk26cms-ktri-256");
if (!ktri256) throw new Error("missing tk26cms-ktri-256");
/** TK26 CMS example: 2200 bytes in CFB under param-Z, long enough for two key meshings. */
const tk26Key: GostChatKey = {
  kind: "gost28147-cfb",
  key: fromHex(ktri256.cek),
  iv: fromHex(ktri256.content.iv),
};
const tk26Plaintext = "Test data to encrypt.\n".repeat(100);

function newGostKey(): GostChatKey {
  const chatKey = generateChatKey("gost28147-cfb");
  if (chatKey.kind !== "gost28147-cfb") throw new Error("expected a GOST chat key");
  return chatKey;
}

test("the TK26 param-Z CFB example (2200 bytes) decrypts with the default settings (key meshing on)", () => {
  assert.equal(ktri256.content.sbox, "id-tc26-gost-28147-param-Z");
  const plaintext = decryptGostContent(tk26Key, fromHex(ktri256.content.ciphertext));
  assert.equal(new TextDecoder().decode(plaintext), tk26Plaintext);
});

test("without key meshing the TK26 example decrypts correctly only up to 1024 bytes", () => {
  const plaintext = decryptGostContent(tk26Key, fromHex(ktri256.content.ciphertext), { keyMeshing: false });
  const expected = utf8(tk26Plaintext);
  assert.equal(hex(plaintext.subarray(0, 1024)), hex(expected.subarray(0, 1024)));
  assert.notEqual(hex(plaintext.subarray(1024)), hex(expected.subarray(1024)));
});

test("CFB with and without key meshing agree on the first KiB and differ past it", () => {
  const chatKey = newGostKey();
  const plaintext = new Uint8Array(3000).map((_, i) => i % 251);
  const meshed = encryptGostContent(chatKey, plaintext);
  const plain = encryptGostContent(chatKey, plaintext, { keyMeshing: false });
  assert.equal(hex(meshed.subarray(0, 1024)), hex(plain.subarray(0, 1024)));
  assert.notEqual(hex(meshed.subarray(1024, 1032)), hex(plain.subarray(1024, 1032)));
});

test("GOST content round-trips and keeps the plaintext length (no header, as the Android client)", () => {
  const chatKey = newGostKey();
  const plaintext = utf8("Привет, мир! A message that is not a whole number of blocks.");
  const ciphertext = encryptGostContent(chatKey, plaintext);
  assert.equal(ciphertext.length, plaintext.length);
  assert.equal(hex(decryptGostContent(chatKey, ciphertext)), hex(plaintext));
});

test("the chat IV is reused: the same text encrypts to the same bytes in every message of a chat", () => {
  const chatKey = newGostKey();
  const plaintext = utf8("same text twice");
  assert.equal(hex(encryptGostContent(chatKey, plaintext)), hex(encryptGostContent(chatKey, plaintext)));
});

test("GOST content refuses a chat key with an IV of the wrong size", () => {
  const chatKey: GostChatKey = { kind: "gost28147-cfb", key: new Uint8Array(32), iv: new Uint8Array(16) };
  assert.throws(() => encryptGostContent(chatKey, utf8("x")), /GOST chat IV must be 8 bytes, got 16/);
});
