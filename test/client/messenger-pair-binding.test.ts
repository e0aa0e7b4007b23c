/**
 * Sending in a personal chat only under a key committed to its two members (docs/CRYPTO.md "Binding a personal
 * chat to its two members"), through a real server: new chats are bound from their creation; chats made
 * before the pair binding are rotated once, at the first send of a member who can give the new key to every
 * certificate holding the old one, and refused to a member who cannot.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ReadMessage } from "../../src/client/index.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { legacyPersonalChat, sdkUser } from "./support.ts";

const summary = (reads: readonly ReadMessage[]) =>
  reads.map((read) => `${read.text} ${read.signature} ${read.keyId}`);

describe("SDK personal chats bound to their two members", () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
  });
  after(() => server.close());

  it("a new personal chat is bound from its creation: its first send stays in epoch 1", async () => {
    const [ivan, olga] = [
      await sdkUser(server, "ecdsa-p256", "Иванов Иван Иванович"),
      await sdkUser(server, "ecdsa-p256", "Ольгина Ольга Олеговна"),
    ];
    const chat = (await ivan.messenger.chatWith(olga.phone)).chatId as string;
    assert.equal((await ivan.messenger.sendText(chat, "привет")).keyId, 1);
    assert.equal((await olga.messenger.sendText(chat, "и тебе")).keyId, 1);
    assert.equal(olga.messenger.keyring.held(chat, 1)?.committedTo, "pair");
  });

  it("a personal chat made before the pair binding is rotated once, at its first send, and both read every message", async () => {
    const [petr, vera] = [
      await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович"),
      await sdkUser(server, "ecdsa-p256", "Верова Вера Викторовна"),
    ];
    const chat = await legacyPersonalChat(petr, vera);
    assert.equal((await petr.messenger.sendText(chat, "первое")).keyId, 2);
    assert.equal((await petr.messenger.sendText(chat, "второе")).keyId, 2);
    // Epoch 2 was committed to the pair by Pyotr: Vera sends under it as it is.
    assert.equal((await vera.messenger.sendText(chat, "третье")).keyId, 2);
    assert.deepEqual(summary(await vera.messenger.history(chat)), [
      "первое verified 2",
      "второе verified 2",
      "третье verified 2",
    ]);
  });

  it("a member who cannot give a new key to every certificate holding the old one sends nothing, until one who can rotates", async () => {
    const [gost, ecdsa] = [
      await sdkUser(server, "gost2012-256", "Гостев Глеб Геннадьевич"),
      await sdkUser(server, "ecdsa-p256", "Эцдсова Эльза Эдуардовна"),
    ];
    // A GOST key: the ECDSA member can read it but cannot wrap one for the GOST member's certificate.
    const chat = await legacyPersonalChat(gost, ecdsa);
    await assert.rejects(
      ecdsa.messenger.sendText(chat, "не уйдёт"),
      /not bound to its two members and this session cannot give a new one to every certificate holding it/,
    );
    assert.equal((await gost.messenger.sendText(chat, "ротация")).keyId, 2);
    await ecdsa.messenger.refreshKeys();
    assert.equal((await ecdsa.messenger.sendText(chat, "теперь уйдёт")).keyId, 2);
    assert.deepEqual(summary(await gost.messenger.history(chat)), [
      "ротация verified 2",
      "теперь уйдёт verified 2",
    ]);
  });
});
