import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { CertchatApiError, Messenger, signatureVerifier } from "../../src/client/index.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { type SdkUser, sdkUser } from "./support.ts";

describe("SDK messenger: a GOST 2012-256 user and an ECDSA user through a real server", () => {
  let server: TestServer;
  let gost: SdkUser;
  let ecdsa: SdkUser;

  before(async () => {
    server = await startTestServer({ caAlg: "gost2012-256", env: chatServerEnv });
    gost = await sdkUser(server, "gost2012-256", "Иванов Иван Иванович");
    ecdsa = await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович");
  });
  after(() => server.close());

  it("exchanges texts both ways, decrypted and verified", async () => {
    const chat = await gost.messenger.chatWith(ecdsa.phone);
    assert.ok(chat.chatId);
    const again = await ecdsa.messenger.chatWith(gost.phone);
    assert.equal(again.chatId, chat.chatId);
    await gost.messenger.sendText(chat.chatId, "Привет, Пётр!");
    await ecdsa.messenger.sendText(chat.chatId, "Здравствуйте, Иван.");
    for (const reader of [gost, ecdsa]) {
      const history = await reader.messenger.history(chat.chatId);
      assert.deepEqual(
        history.map((read) => [read.text, read.signature, read.message.user]),
        [
          ["Привет, Пётр!", "verified", gost.name],
          ["Здравствуйте, Иван.", "verified", ecdsa.name],
        ],
      );
    }
  });

  it("sends a multi-megabyte file: the download decrypts and its CMS verifies (GOST and ECDSA signers)", async () => {
    const chat = await gost.messenger.chatWith(ecdsa.phone);
    assert.ok(chat.chatId);
    const content = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));
    for (const [sender, reader] of [
      [gost, ecdsa],
      [ecdsa, gost],
    ] as const) {
      const sent = await sender.messenger.sendFile(chat.chatId, { content, name: "отчёт.pdf", type: "pdf" });
      assert.ok(sent.file);
      const phases = new Set<string>();
      const file = await reader.messenger.downloadFile(chat.chatId, sent.file, (phase) => phases.add(phase));
      assert.equal(file.signature, "verified", file.problem);
      assert.equal(file.name, "отчёт.pdf");
      assert.deepEqual(file.content, content);
      assert.deepEqual([...phases], ["download", "decrypt"]);
    }
    const files = await ecdsa.messenger.history(chat.chatId, { files: true });
    assert.deepEqual(
      files.map((read) => [read.text, read.signature, read.message.type]),
      [
        ["отчёт.pdf", "verified", "pdf"],
        ["отчёт.pdf", "verified", "pdf"],
      ],
    );
  });

  it("reports a tampered ciphertext, signature or certificate id as invalid, never as verified", async () => {
    const chat = await gost.messenger.chatWith(ecdsa.phone);
    assert.ok(chat.chatId);
    const chatId = chat.chatId;
    const cipher = await gost.messenger.sendText(chatId, "ciphertext will change");
    const signed = await ecdsa.messenger.sendText(chatId, "signature will change");
    const other = await ecdsa.messenger.sendText(chatId, "claims another certificate");
    const db = server.server.storage.db;
    const flip = (base64: string) => {
      const bytes = Buffer.from(base64, "base64");
      bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
      return bytes.toString("base64");
    };
    await db
      .updateTable("messages")
      .set({ data: flip(cipher.data) })
      .where("id", "=", cipher.id)
      .execute();
    await db
      .updateTable("messages")
      .set({ sign: flip(signed.sign ?? "") })
      .where("id", "=", signed.id)
      .execute();
    await db.updateTable("messages").set({ certificate_id: cipher.cid }).where("id", "=", other.id).execute();
    const file = await gost.messenger.sendFile(chatId, { content: new Uint8Array(5000), name: "a.bin" });
    await db
      .updateTable("messages")
      .set({ cms: flip(file.cms ?? "") })
      .where("id", "=", file.id)
      .execute();
    assert.ok(file.file);
    const download = await ecdsa.messenger.downloadFile(chatId, file.file);
    assert.equal(download.signature, "invalid");
    for (const reader of [gost, ecdsa]) {
      const history = await reader.messenger.history(chatId, { after: cipher.id - 1 });
      const byId = new Map(history.map((read) => [read.message.id, read]));
      assert.equal(byId.get(cipher.id)?.signature, "invalid");
      assert.equal(byId.get(signed.id)?.signature, "invalid");
      assert.equal(byId.get(signed.id)?.text, "signature will change");
      assert.equal(byId.get(other.id)?.signature, "invalid");
    }
  });

  it("throws CertchatApiError with the API code", async () => {
    await assert.rejects(
      gost.messenger.api.messages({ chat: "00000000-0000-4000-8000-000000000000" }),
      (error: unknown) => error instanceof CertchatApiError && error.code === "GetChatsError",
    );
  });
});

describe("SDK messenger: a group of five and a channel", () => {
  let server: TestServer;
  let users: SdkUser[];

  before(async () => {
    server = await startTestServer({ caAlg: "gost2012-256", env: chatServerEnv });
    const algs = ["gost2012-256", "ecdsa-p256", "gost2012-256", "ecdsa-p256", "ecdsa-p256"] as const;
    users = [];
    for (const [index, alg] of algs.entries()) {
      users.push(await sdkUser(server, alg, `Участник${index} Иван Иванович`));
    }
  });
  after(() => server.close());

  it("every member reads every member's messages, decrypted and verified", async () => {
    const [owner, ...others] = users as [SdkUser, ...SdkUser[]];
    const group = await owner.messenger.createGroup(
      "Отдел продаж",
      others.map((user) => user.phone),
    );
    assert.ok(group.chatId);
    for (const user of users) await user.messenger.sendText(group.chatId, `от ${user.name}`);
    for (const reader of users) {
      // Group members learn each other's certificates through their address book (a phone look-up).
      await reader.messenger.lookUp(users.filter((user) => user !== reader).map((user) => user.phone));
      const history = await reader.messenger.history(group.chatId);
      assert.deepEqual(
        history.map((read) => [read.text, read.signature]),
        users.map((user) => [`от ${user.name}`, "verified"]),
      );
    }
  });

  it("a channel: the owner posts, members read and verify, members cannot post", async () => {
    const [owner, member] = users as [SdkUser, SdkUser];
    const channel = await owner.messenger.createGroup("Новости", [member.phone], true);
    assert.ok(channel.chatId);
    await owner.messenger.sendText(channel.chatId, "Первая новость");
    const history = await member.messenger.history(channel.chatId);
    assert.deepEqual(
      history.map((read) => [read.text, read.signature]),
      [["Первая новость", "verified"]],
    );
    await assert.rejects(
      member.messenger.sendText(channel.chatId, "нельзя"),
      (error: unknown) => error instanceof CertchatApiError && error.code === "GetChatsError",
    );
  });

  it("a certificate the reader cannot find (not its own, not in its chats, not a member's) is unknown, not verified", async () => {
    const [owner, a, outsider] = users as [SdkUser, SdkUser, SdkUser, SdkUser, SdkUser];
    const group = await owner.messenger.createGroup("Без адресной книги", [a.phone]);
    assert.ok(group.chatId);
    const sent = await owner.messenger.sendText(group.chatId, "чужой сертификат");
    // The message now names a certificate of a profile that has nothing to do with the chat.
    const foreign = (await outsider.messenger.profile()).cid;
    await server.server.storage.db
      .updateTable("messages")
      .set({ certificate_id: foreign })
      .where("id", "=", sent.id)
      .execute();
    const freshA = new Messenger(a.messenger.api, a.messenger.signer, signatureVerifier());
    const [read] = await freshA.history(group.chatId);
    assert.deepEqual([read?.text, read?.signature], ["чужой сертификат", "unknown-certificate"]);
  });
});
