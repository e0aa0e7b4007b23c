import assert from "node:assert/strict";
import { test } from "node:test";
import { type AesChatKey, generateChatKey } from "../../../src/client/crypto/chat-key.ts";
import { decryptAesGcmContent, encryptAesGcmContent } from "../../../src/client/crypto/content.ts";
import { hex, utf8 } from "./helpers.ts";

function newAesKey(): AesChatKey {
  const chatKey = generateChatKey("aes-256-gcm");
  if (chatKey.kind !== "aes-256-gcm") throw new Error("expected an AES chat key");
  return chatKey;
}

test("AES-GCM content round-trips", async () => {
  const chatKey = newAesKey();
  const plaintext = utf8("hello, certchat");
  const content = await encryptAesGcmContent(chatKey, plaintext);
  assert.equal(hex(await decryptAesGcmContent(chatKey, content)), hex(plaintext));
});

test("AES-GCM content is tag 0x01, a 12-byte nonce, then ciphertext and a 16-byte tag", async () => {
  const content = await encryptAesGcmContent(newAesKey(), new Uint8Array(10));
  assert.equal(content[0], 0x01);
  assert.equal(content.length, 1 + 12 + 10 + 16);
});

test("each AES-GCM encryption draws a fresh nonce", async () => {
  const chatKey = newAesKey();
  const a = await encryptAesGcmContent(chatKey, utf8("same"));
  const b = await encryptAesGcmContent(chatKey, utf8("same"));
  assert.notEqual(hex(a.subarray(1, 13)), hex(b.subarray(1, 13)));
});

test("a tampered AES-GCM ciphertext fails authentication with a clear error", async () => {
  const chatKey = newAesKey();
  const content = await encryptAesGcmContent(chatKey, utf8("do not touch"));
  content[15] = (content[15] ?? 0) ^ 0x01;
  await assert.rejects(decryptAesGcmContent(chatKey, content), /failed authentication/);
});

test("AES-GCM content under another chat key fails authentication", async () => {
  const content = await encryptAesGcmContent(newAesKey(), utf8("secret"));
  await assert.rejects(decryptAesGcmContent(newAesKey(), content), /failed authentication/);
});

test("AES-GCM content with an unknown format tag is refused", async () => {
  const chatKey = newAesKey();
  const content = await encryptAesGcmContent(chatKey, utf8("x"));
  content[0] = 0x02;
  await assert.rejects(decryptAesGcmContent(chatKey, content), /unknown content format tag 0x02/);
});

test("AES-GCM content shorter than header and tag is refused", async () => {
  await assert.rejects(decryptAesGcmContent(newAesKey(), new Uint8Array(20)), /too short \(20 bytes\)/);
});
