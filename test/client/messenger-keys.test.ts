/**
 * The SDK's key epochs through a real server (docs/design/key-epochs-and-membership.md §5, §6): per-epoch
 * unwrap, the v1 fallback (D7), sends retried under a new epoch, automatic fulfilment while listening,
 * concurrent removals retried, the rotation a leave makes due, and `listen` following a new chat. SQLite and
 * PostgreSQL.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createBinding, signKeyRow } from "../../src/client/crypto/key-row-signature.ts";
import {
  CertchatApiError,
  encryptContent,
  generateChatKey,
  loadSigner,
  Messenger,
  type ReadMessage,
  signatureVerifier,
  wrapChatKeyFor,
} from "../../src/client/index.ts";
import { encodeBase64 } from "../../src/protocol/base64.ts";
import { chatServerEnv } from "../support/chats.ts";
import { backends, issueUser, startTestServer, type TestServer } from "../support/server.ts";
import { type SdkUser, sdkUser, serverAnchors } from "./support.ts";

/** Waits until `condition` holds (events arrive asynchronously); fails after 20 s. */
async function eventually(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let waited = 0; !(await condition()); waited += 50) {
    if (waited > 20_000) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const summary = (reads: readonly ReadMessage[]) => reads.map((read) => `${read.text} ${read.signature}`);

for (const backend of backends) {
  describe(`SDK key epochs [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let owner: SdkUser;
    let admin: SdkUser;
    let member: SdkUser;

    before(async () => {
      server = await startTestServer({ backend, caAlg: "ecdsa-p256", env: chatServerEnv });
      owner = await sdkUser(server, "ecdsa-p256", "Олегов Олег Олегович");
      admin = await sdkUser(server, "ecdsa-p256", "Адамов Адам Адамович");
      member = await sdkUser(server, "ecdsa-p256", "Миронова Мира Мироновна");
    });
    after(() => server.close());

    /** `user` with a renewed certificate (same person, new key), logged in past the claim window. */
    async function renewedLogin(user: SdkUser): Promise<Messenger> {
      server.clock.advance(61_000);
      const renewedCertificate = await issueUser(server, {
        alg: "ecdsa-p256",
        name: user.name,
        snils: user.snils,
      });
      return Messenger.login({
        server: server.url,
        signer: await loadSigner(renewedCertificate.der, renewedCertificate.keyPem),
        verifier: signatureVerifier(),
        trust: await serverAnchors(server),
        phone: user.phone,
        askCode: async (phone) => server.sms.lastCodeFor(phone)?.code ?? "",
      });
    }

    async function groupOf(...users: SdkUser[]): Promise<string> {
      const chat = await owner.messenger.createGroup(
        "Группа",
        users.map((user) => user.phone),
      );
      assert.ok(chat.chatId);
      return chat.chatId;
    }

    it("reads history across epochs, each message with its epoch's key, signatures verified", async () => {
      const chat = await groupOf(admin, member);
      await owner.messenger.sendText(chat, "эпоха 1");
      await owner.messenger.membership.rotate(chat);
      const second = await admin.messenger.sendText(chat, "эпоха 2");
      assert.equal(second.keyId, 2);
      const fresh = new Messenger(member.messenger.api, member.messenger.signer, signatureVerifier());
      const history = await fresh.history(chat);
      assert.deepEqual(summary(history), ["эпоха 1 verified", "эпоха 2 verified"]);
      assert.deepEqual(
        history.map((read) => [read.message.keyId, read.keyId]),
        [
          [1, 1],
          [2, 2],
        ],
      );
    });

    it("without trust anchors a session reads the chat but refuses to rotate its key", async () => {
      const chat = await groupOf(admin, member);
      await owner.messenger.sendText(chat, "без якорей");
      const fresh = new Messenger(owner.messenger.api, owner.messenger.signer, signatureVerifier());
      assert.deepEqual(summary(await fresh.history(chat)), ["без якорей verified"]);
      await assert.rejects(fresh.membership.rotate(chat), /no trust anchors are configured/);
    });

    it("verifies a group member who is neither the owner nor looked up, through the member list", async () => {
      const chat = await groupOf(admin, member);
      await admin.messenger.sendText(chat, "от участника");
      const fresh = new Messenger(member.messenger.api, member.messenger.signer, signatureVerifier());
      assert.deepEqual(summary(await fresh.history(chat)), ["от участника verified"]);
    });

    it("reads a v1 sender's message labelled with the new epoch but encrypted under the old one", async () => {
      const chat = await groupOf(admin, member);
      const oldKey = (await admin.messenger.keyring.require(chat, 1)).chatKey;
      await owner.messenger.membership.rotate(chat);
      // What a v1 client that cached epoch 1 sends: no keyId, ciphertext under the old key.
      const plaintext = new TextEncoder().encode("старым ключом");
      const profile = await admin.messenger.profile();
      const stored = await admin.messenger.api.sendMessage({
        chat,
        text: encodeBase64(await encryptContent(oldKey, plaintext)),
        sign: encodeBase64(await admin.messenger.signer.sign(plaintext)),
        cid: profile.cid,
      });
      assert.equal(stored.keyId, 2);
      const [read] = await member.messenger.history(chat, { after: stored.id - 1 });
      assert.deepEqual([read?.text, read?.signature, read?.keyId], ["старым ключом", "verified", 1]);
    });

    it("a send built on an epoch that a rotation retired is re-encrypted and stored under the new one", async () => {
      const chat = await groupOf(admin, member);
      await member.messenger.sendText(chat, "до ротации");
      assert.equal(member.messenger.keyring.current(chat), 1);
      await owner.messenger.membership.rotate(chat);
      // The member's keyring still names epoch 1: the server answers ChatKeyOutdated, the SDK retries.
      const sent = await member.messenger.sendText(chat, "после ротации", "local-1");
      assert.deepEqual([sent.keyId, sent.localId], [2, "local-1"]);
      assert.deepEqual(summary(await owner.messenger.history(chat)), [
        "до ротации verified",
        "после ротации verified",
      ]);
    });

    it("two removals at once both land: one is rebuilt after ChatKeyOutdated, nobody left keeps a stale key", async () => {
      const extra = await sdkUser(server, "ecdsa-p256", "Лишний Лев Львович");
      const chat = await groupOf(admin, member, extra);
      await owner.messenger.membership.setRole(chat, admin.phone, "admin");
      await Promise.all([
        owner.messenger.membership.remove(chat, member.phone),
        admin.messenger.membership.remove(chat, extra.phone),
      ]);
      const data = await owner.messenger.membership.members(chat);
      assert.equal(data.keyId, 3);
      assert.deepEqual(
        data.members.map((one) => one.pid).sort(),
        [(await owner.messenger.profile()).pid, (await admin.messenger.profile()).pid].sort(),
      );
      assert.ok(data.members.every((one) => one.certificates.every((certificate) => certificate.hasKey)));
      await admin.messenger.sendText(chat, "вдвоём");
      assert.deepEqual(summary(await owner.messenger.history(chat)).at(-1), "вдвоём verified");
    });

    it("a listening member serves a renewed certificate's wait list: the renewed user reads every epoch", async () => {
      const renewing = await sdkUser(server, "ecdsa-p256", "Обновлённая Ольга Олеговна");
      const chat = await groupOf(renewing);
      await renewing.messenger.sendText(chat, "старый сертификат");
      await owner.messenger.membership.rotate(chat);
      await owner.messenger.sendText(chat, "вторая эпоха");
      const socket = await owner.messenger.listen("all", () => {});
      try {
        const renewed = await renewedLogin(renewing);
        await eventually("the renewed certificate reads the whole history", async () => {
          const history = await renewed.history(chat);
          return history.length === 2 && history.every((read) => read.signature === "verified");
        });
        assert.deepEqual(summary(await renewed.history(chat)), [
          "старый сертификат verified",
          "вторая эпоха verified",
        ]);
      } finally {
        socket.close();
      }
    });

    it("a member's bad row for a renewed certificate is given back by its reader, and an honest member's row replaces it", async () => {
      const mallory = await sdkUser(server, "ecdsa-p256", "Злобина Мария Игоревна");
      const renewing = await sdkUser(server, "ecdsa-p256", "Обновлённый Роман Романович");
      const chat = await groupOf(mallory, renewing);
      await owner.messenger.sendText(chat, "до обновления");
      const renewed = await renewedLogin(renewing);
      const { cid } = await renewed.profile();
      // Mallory takes the slot with a properly signed row that is no key wrapped for the renewed certificate.
      const wrappedKey = new Uint8Array(120).fill(7);
      const sign = await signKeyRow(mallory.messenger.signer, { chatId: chat, keyId: 1, cid, wrappedKey });
      const { pid } = await renewed.profile();
      assert.equal(
        (
          await mallory.messenger.api.call("chatsKeys", {
            keys: [{ chatId: chat, pid, cid, keyId: 1, key: encodeBase64(wrappedKey), sign }],
          })
        ).length,
        1,
      );

      // Reading fails on the bad row and gives it back: the certificate waits again, Mallory refused.
      const [unread] = await renewed.history(chat);
      assert.equal(unread?.text, null);
      assert.match(String(unread?.problem), /no key for epoch 1/);
      const waiting = (await owner.messenger.membership.members(chat)).waitList;
      assert.deepEqual(
        waiting.map((entry) => [entry.cid, entry.refused.map((refusal) => refusal.keyId)]),
        [[cid, [1]]],
      );

      const socket = await owner.messenger.listen("all", () => {});
      try {
        await eventually("an honest member serves the renewed certificate", async () => {
          const history = await renewed.history(chat).catch(() => []);
          return history.length === 1 && history[0]?.signature === "verified";
        });
        assert.deepEqual(summary(await renewed.history(chat)), ["до обновления verified"]);
      } finally {
        socket.close();
      }
    });

    it("a member's row that unwraps to a key of its own choosing is refused against the epoch's commitment, and an honest member's row replaces it", async () => {
      const mallory = await sdkUser(server, "ecdsa-p256", "Подменова Полина Петровна");
      const renewing = await sdkUser(server, "ecdsa-p256", "Обновлённый Семён Семёнович");
      const chat = await groupOf(mallory, renewing);
      await owner.messenger.sendText(chat, "до подмены");
      const renewed = await renewedLogin(renewing);
      const { cid, pid } = await renewed.profile();
      // Mallory wraps a key of her own for the renewed certificate: the row unwraps and its signature verifies.
      const wrappedKey = await wrapChatKeyFor({
        chatKey: generateChatKey("aes-256-gcm"),
        recipientCertificate: renewed.signer.certificate,
      });
      const sign = await signKeyRow(mallory.messenger.signer, { chatId: chat, keyId: 1, cid, wrappedKey });
      await mallory.messenger.api.call("chatsKeys", {
        keys: [{ chatId: chat, pid, cid, keyId: 1, key: encodeBase64(wrappedKey), sign }],
      });

      // Only the commitment tells the key is not the epoch's: the reader uses none and gives the row back.
      const [unread] = await renewed.history(chat);
      assert.equal(unread?.text, null);
      assert.match(String(unread?.problem), /no key for epoch 1/);
      const waiting = (await owner.messenger.membership.members(chat)).waitList;
      assert.deepEqual(
        waiting.map((entry) => [entry.cid, entry.refused.map((refusal) => refusal.pid)]),
        [[cid, [(await mallory.messenger.profile()).pid]]],
      );

      const socket = await owner.messenger.listen("all", () => {});
      try {
        await eventually("an honest member serves the renewed certificate", async () => {
          const history = await renewed.history(chat).catch(() => []);
          return history.length === 1 && history[0]?.signature === "verified";
        });
        assert.deepEqual(summary(await renewed.history(chat)), ["до подмены verified"]);
        assert.equal(renewed.keyring.held(chat, 1)?.commitment, "matched");
      } finally {
        socket.close();
      }
    });

    it("a chat whose epoch has no commitment (created by an older client) still decrypts, and the keyring says so", async () => {
      const [peer] = await owner.messenger.lookUp([member.phone]);
      const self = await owner.messenger.profile();
      assert.ok(peer);
      const chatKey = generateChatKey("aes-256-gcm");
      const binding = createBinding(1, "Без обязательства");
      const keys = [];
      for (const holder of [
        {
          pid: self.pid,
          certificates: [{ id: self.cid, cert: encodeBase64(owner.messenger.signer.certificate) }],
        },
        peer,
      ])
        for (const certificate of holder.certificates) {
          const wrappedKey = await wrapChatKeyFor({
            chatKey,
            recipientCertificate: Buffer.from(certificate.cert, "base64"),
          });
          const sign = await signKeyRow(owner.messenger.signer, {
            chatId: binding,
            keyId: 1,
            cid: certificate.id,
            wrappedKey,
          });
          keys.push({ pid: holder.pid, cid: certificate.id, key: encodeBase64(wrappedKey), sign });
        }
      const created = await owner.messenger.api.createChat({ type: 1, name: "Без обязательства", keys });
      const chat = created.chatId as string;
      assert.equal(created.key?.commitment, null);
      await owner.messenger.sendText(chat, "без обязательства");
      const fresh = new Messenger(member.messenger.api, member.messenger.signer, signatureVerifier());
      assert.deepEqual(summary(await fresh.history(chat)), ["без обязательства verified"]);
      assert.equal(fresh.keyring.held(chat, 1)?.commitment, "absent");
    });

    it("after a leave, a listening owner rotates the key: the one who left holds no key for the new epoch", async () => {
      const chat = await groupOf(admin, member);
      const socket = await owner.messenger.listen("all", () => {});
      try {
        await member.messenger.membership.leave(chat);
        await eventually("the owner rotated", async () => {
          const data = await owner.messenger.membership.members(chat);
          return data.keyId === 2 && !data.rotationDue;
        });
        const sent = await admin.messenger.sendText(chat, "без ушедшей");
        assert.equal(sent.keyId, 2);
        assert.equal(member.messenger.keyring.held(chat, 2), undefined);
        await assert.rejects(
          member.messenger.history(chat),
          (error: unknown) => error instanceof CertchatApiError && error.code === "GetChatsError",
        );
      } finally {
        socket.close();
      }
    });

    it('listen("all") follows a chat the user is added to after it started', async () => {
      const received: string[] = [];
      const socket = await member.messenger.listen("all", (read) =>
        received.push(`${read.text} ${read.signature}`),
      );
      try {
        const chat = await admin.messenger.chatWith(member.phone);
        assert.ok(chat.chatId);
        await admin.messenger.sendText(chat.chatId, "новый чат");
        await eventually("the new chat's message arrives", () => received.includes("новый чат verified"));
      } finally {
        socket.close();
      }
    });
  });
}
