import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import {
  type ChatUser,
  call,
  chatServerEnv,
  chatUser,
  decrypt,
  encrypt,
  keysFor,
  newChatKey,
  unwrapKey,
} from "../../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../../support/server.ts";

/** What a client does with its contact: unwrap the chat key with its own certificate. */
function chatKeyOf(contact: Contact, me: ChatUser): Uint8Array {
  assert.ok(contact.key, "the contact carries a key for this session's certificate");
  const mine = me.certificates.find((certificate) => certificate.id === me.cid);
  return unwrapKey(contact.key.key, mine?.cert ?? "");
}

for (const backend of backends) {
  describe(`chat flows [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
    });
    after(async () => server.close());

    test("two users find each other by phone, chat, exchange 120 messages and a file, page and download", async () => {
      const alice = await chatUser(server, "Алисова Алиса Петровна");
      const bob = await chatUser(server, "Бобров Борис Иванович");

      // Alice finds Bob by his phone as a person would type it: no chat yet.
      const masked = `+7 (${bob.phone.slice(1, 4)}) ${bob.phone.slice(4, 7)}-${bob.phone.slice(7, 9)}-${bob.phone.slice(9)}`;
      const [found] = await call<Contact[]>(server, "/api/contacts/", {
        token: alice.token,
        phones: [masked],
      });
      assert.ok(found);
      assert.equal(found.pid, bob.pid);
      assert.equal(found.user, "Бобров Борис Иванович");
      assert.equal(found.phone, bob.phone);
      assert.deepEqual(found.certificates, bob.certificates);
      assert.deepEqual([found.chatId, found.chatType, found.chatName, found.key], [null, 0, null, null]);

      // She wraps a fresh chat key for every certificate of both and creates the personal chat.
      const chatKey = newChatKey();
      const keys = keysFor(chatKey, [alice, { pid: found.pid, certificates: found.certificates }]);
      const created = await call<Contact>(server, "/api/createChat/", { token: alice.token, type: 0, keys });
      assert.equal(created.pid, bob.pid);
      assert.equal(created.chatType, 0);
      assert.deepEqual(chatKeyOf(created, alice), chatKey);
      assert.equal(created.key?.import, true, "Alice wrapped her own key");
      const chat = created.chatId as string;

      // Creating it again, from either side, returns the same chat.
      const again = await call<Contact>(server, "/api/createChat/", { token: bob.token, type: 0, keys });
      assert.equal(again.chatId, chat);
      assert.equal(again.pid, alice.pid);

      // Bob sees the chat in his list and in a phone search, with his key wrapped by Alice.
      const [listed] = await call<Contact[]>(server, "/api/contacts/", { token: bob.token, phones: [] });
      assert.equal(listed?.chatId, chat);
      assert.equal(listed?.pid, alice.pid);
      assert.equal(listed?.key?.import, false);
      assert.equal(listed?.key?.cert, alice.certificates.find((c) => c.id === alice.cid)?.cert);
      const bobKey = chatKeyOf(listed as Contact, bob);
      assert.deepEqual(bobKey, chatKey);
      const [search] = await call<Contact[]>(server, "/api/contacts/", {
        token: bob.token,
        phones: [alice.phone],
      });
      assert.equal(search?.chatId, chat);

      // 120 messages, alternating senders; ids increase.
      const sent: Message[] = [];
      for (let i = 0; i < 120; i++) {
        const from = i % 2 === 0 ? alice : bob;
        const message = await call<Message>(server, "/api/sendMessage/", {
          token: from.token,
          chat,
          cid: from.cid,
          type: "txt",
          text: encrypt(chatKey, `message ${i}`),
          sign: from.user.sign(Buffer.from(`message ${i}`)),
        });
        assert.equal(message.pid, from.pid);
        assert.equal(message.user, from.name);
        assert.equal(message.localId, undefined);
        sent.push(message);
      }
      assert.ok(sent.every((m, i) => i === 0 || m.id > (sent[i - 1]?.id ?? 0)));

      // A file: the encrypted bytes go up as base64 and come back identical.
      const document = randomBytes(200_000);
      const encryptedFile = encrypt(chatKey, document);
      const fileMessage = await call<Message>(server, "/api/sendMessage/", {
        token: alice.token,
        chat,
        cid: alice.cid,
        type: "pdf",
        data: encryptedFile,
        text: encrypt(chatKey, "contract.pdf"),
      });
      assert.match(fileMessage.file ?? "", /^[0-9a-f-]{36}$/);
      assert.equal(fileMessage.type, "pdf");

      // Bob pages back from the latest page to the first message, then forward again.
      let page = await call<Message[]>(server, "/api/messages/", { token: bob.token, chat });
      const backwards: Message[] = [...page];
      while (page.length === 50) {
        page = await call<Message[]>(server, "/api/messages/", {
          token: bob.token,
          chat,
          id: page[0]?.id,
          rel: "prev",
        });
        backwards.unshift(...page);
      }
      assert.deepEqual(
        backwards.map((m) => m.id),
        [...sent, fileMessage].map((m) => m.id),
      );
      assert.equal(decrypt(bobKey, backwards[7]?.data ?? "").toString(), "message 7");
      const forwards: Message[] = [];
      let anchor = 0;
      do {
        page = await call<Message[]>(server, "/api/messages/", {
          token: bob.token,
          chat,
          id: anchor,
          rel: "next",
        });
        forwards.push(...page);
        anchor = page.at(-1)?.id ?? anchor;
      } while (page.length === 50);
      assert.deepEqual(forwards, backwards);

      const files = await call<Message[]>(server, "/api/messages/", { token: bob.token, chat, type: "file" });
      assert.deepEqual(files, [{ ...fileMessage }]);

      const data = await call<string>(server, "/api/file/", {
        token: bob.token,
        chat,
        file: fileMessage.file,
      });
      assert.deepEqual(decrypt(bobKey, data), document);
      const raw = await fetch(`${server.url}/api/file/${chat}/${fileMessage.file}`, {
        headers: { authorization: `Bearer ${bob.token}` },
      });
      assert.equal(raw.status, 200);
      assert.equal(raw.headers.get("content-type"), "application/octet-stream");
      const rawBytes = Buffer.from(await raw.arrayBuffer());
      assert.equal(raw.headers.get("content-length"), String(rawBytes.length));
      assert.deepEqual(decrypt(bobKey, rawBytes.toString("base64")), document);
    });

    test("five users share a group; a channel takes posts from its owner only", async () => {
      const users: ChatUser[] = [];
      for (let i = 0; i < 5; i++) users.push(await chatUser(server, `Участник${i} Имя Отчество`));
      const [owner, ...others] = users as [ChatUser, ...ChatUser[]];
      const found = await call<Contact[]>(server, "/api/contacts/", {
        token: owner.token,
        phones: others.map((user) => user.phone),
      });
      assert.deepEqual(found.map((c) => c.pid).sort(), others.map((u) => u.pid).sort());

      const chatKey = newChatKey();
      const holders = [owner, ...found.map((c) => ({ pid: c.pid, certificates: c.certificates }))];
      const group = await call<Contact>(server, "/api/createChat/", {
        token: owner.token,
        type: 1,
        name: "Отдел продаж",
        keys: keysFor(chatKey, holders),
      });
      assert.deepEqual([group.chatType, group.chatName, group.pid], [1, "Отдел продаж", owner.pid]);
      const chat = group.chatId as string;

      for (const user of users) {
        const [contact] = await call<Contact[]>(server, "/api/contacts/", { token: user.token });
        assert.equal(contact?.chatId, chat);
        assert.equal(contact?.pid, owner.pid, "a group shows its owner");
        const key = chatKeyOf(contact as Contact, user);
        await call<Message>(server, "/api/sendMessage/", {
          token: user.token,
          chat,
          cid: user.cid,
          text: encrypt(key, `hello from ${user.pid}`),
        });
      }
      for (const user of users) {
        const history = await call<Message[]>(server, "/api/messages/", { token: user.token, chat });
        assert.deepEqual(
          history.map((m) => m.pid),
          users.map((u) => u.pid),
        );
        assert.equal(decrypt(chatKey, history[2]?.data ?? "").toString(), `hello from ${users[2]?.pid}`);
      }

      const channel = await call<Contact>(server, "/api/createChat/", {
        token: owner.token,
        type: 2,
        name: "Новости",
        keys: keysFor(chatKey, holders),
      });
      const post = { chat: channel.chatId, text: encrypt(chatKey, "news") };
      server.clock.advance(1000);
      await call<Message>(server, "/api/sendMessage/", { token: owner.token, cid: owner.cid, ...post });
      const refused = await server.post("/api/sendMessage/", {
        token: others[0]?.token,
        cid: others[0]?.cid,
        ...post,
      });
      assert.deepEqual(refused.body, { success: false, error: "GetChatsError" });
      const readable = await call<Message[]>(server, "/api/messages/", {
        token: others[0]?.token,
        chat: channel.chatId,
      });
      assert.equal(readable.length, 1);

      // The most recently active chat comes first in everyone's list.
      const list = await call<Contact[]>(server, "/api/contacts/", { token: others[1]?.token });
      assert.deepEqual(
        list.map((c) => c.chatId),
        [channel.chatId, chat],
      );
    });
  });
}
