/**
 * Sending in a personal chat only under a key committed to its two members (docs/CRYPTO.md "Binding a personal
 * chat to its two members"), through a real server: new chats are bound from their creation; chats made
 * before the pair binding are rotated once, at the first send of a member who can give the new key to every
 * certificate holding the old one, and refused to a member who cannot.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { loadSigner, Messenger, type ReadMessage, signatureVerifier } from "../../src/client/index.ts";
import { chatServerEnv } from "../support/chats.ts";
import { issueUser, startTestServer, type TestServer } from "../support/server.ts";
import { HostileServer, loginThrough } from "./hostile-server.ts";
import { legacyPersonalChat, sdkUser, serverAnchors } from "./support.ts";

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

  it("a member whose session heard the old epoch sends under the key its peer bound meanwhile, without rotating again", async () => {
    const [lev, mila] = [
      await sdkUser(server, "ecdsa-p256", "Львов Лев Львович"),
      await sdkUser(server, "ecdsa-p256", "Милова Мила Михайловна"),
    ];
    const chat = await legacyPersonalChat(lev, mila);
    await mila.messenger.chats();
    assert.equal((await lev.messenger.sendText(chat, "первое")).keyId, 2);
    assert.equal((await mila.messenger.sendText(chat, "второе")).keyId, 2);
  });

  it("a member who cannot rotate, whose session heard the old epoch, sends once its peer bound the key", async () => {
    const [gost, ecdsa] = [
      await sdkUser(server, "gost2012-256", "Гостин Гордей Глебович"),
      await sdkUser(server, "ecdsa-p256", "Эцдсина Эмма Эриковна"),
    ];
    const chat = await legacyPersonalChat(gost, ecdsa);
    await ecdsa.messenger.chats();
    assert.equal((await gost.messenger.sendText(chat, "ротация")).keyId, 2);
    assert.equal((await ecdsa.messenger.sendText(chat, "без перечитывания")).keyId, 2);
  });

  it("both members sending first at once in a chat made before the pair binding rotate it once between them", async () => {
    const [kira, oleg] = [
      await sdkUser(server, "ecdsa-p256", "Кирова Кира Кирилловна"),
      await sdkUser(server, "ecdsa-p256", "Олегов Олег Олегович"),
    ];
    const chat = await legacyPersonalChat(kira, oleg);
    // A proxy that only holds answers: both sessions read the member list before either rotation commits.
    const timing = new HostileServer(server.url);
    const url = await timing.start();
    try {
      const anchors = await serverAnchors(server);
      const sessions = [
        await loginThrough(url, kira.messenger.signer, anchors),
        await loginThrough(url, oleg.messenger.signer, anchors),
      ];
      // Each holds epoch 1 and knows the other's identity before the race.
      for (const session of sessions) await session.keyring.require(chat, 1);
      const held: (() => void)[] = [];
      timing.rewrites.set("chatMembers", (data) => {
        if (held.length >= 2) return data;
        return new Promise((resolve) => {
          held.push(() => resolve(data));
          if (held.length === 2) for (const release of held) release();
        });
      });
      const sent = await Promise.all(sessions.map((session, i) => session.sendText(chat, `первое ${i}`)));
      assert.deepEqual(
        sent.map((message) => message.keyId),
        [2, 2],
      );
    } finally {
      await timing.stop();
    }
  });

  it("a session reads the personal chat's epochs it committed itself after its peer's only certificate expired", async () => {
    const ivan = await sdkUser(server, "ecdsa-p256", "Истёков Иван Ильич");
    // Anna's certificate expires a few seconds from now: long enough to log in and be written to.
    const annaExpires = new Date(Date.now() + 4_000);
    const anna = await issueUser(server, {
      name: "Краткова Анна Андреевна",
      snils: `9${ivan.snils.slice(1)}`,
      notAfter: annaExpires,
    });
    const annaPhone = `7977${ivan.phone.slice(-7)}`;
    await Messenger.login({
      server: server.url,
      signer: await loadSigner(anna.der, anna.keyPem),
      verifier: signatureVerifier(),
      trust: await serverAnchors(server),
      phone: annaPhone,
      askCode: async (asked) => server.sms.lastCodeFor(asked)?.code ?? "",
      fulfil: false,
    });
    const chat = (await ivan.messenger.chatWith(annaPhone)).chatId as string;
    assert.equal((await ivan.messenger.sendText(chat, "пока действует")).keyId, 1);
    // Waiting for a clock, not for something not to arrive: the certificate must be past its notAfter.
    await sleep(annaExpires.getTime() - Date.now() + 200);
    const fresh = await loginThrough(server.url, ivan.messenger.signer, await serverAnchors(server));
    assert.deepEqual(summary(await fresh.history(chat)), ["пока действует verified 1"]);
  });
});
