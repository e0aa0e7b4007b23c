import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { ChatKeyRow, ChatMembersData, StoredKeyRows } from "../../../../src/protocol/schemas/members.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import {
  type ChatUser,
  call,
  chatServerEnv,
  chatUser,
  encrypt,
  keysFor,
  newChatKey,
  profileOf,
  wrapKey,
} from "../../../support/chats.ts";
import {
  backends,
  issueUser,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
} from "../../../support/server.ts";

for (const backend of backends) {
  describe(`membership over HTTP [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let carol: ChatUser;
    let dave: ChatUser;
    let chat: string;
    const epochKeys = new Map<number, Uint8Array>([[1, newChatKey()]]);

    /** The error code of a refused call (HTTP 200, success false). */
    async function refusal(path: string, body: Record<string, unknown>): Promise<string | undefined> {
      const reply = await server.post(path, body);
      assert.equal(reply.status, 200);
      assert.equal(reply.body.success, false, `${path} succeeded`);
      return reply.body.error;
    }

    const members = (user: ChatUser) =>
      call<ChatMembersData>(server, "/api/chatMembers/", { token: user.token, chat });

    /** The next epoch's key wrapped for every certificate of the members (but `except`) holding the current one. */
    function rotation(data: ChatMembersData, except?: number) {
      const key = newChatKey();
      epochKeys.set(data.keyId + 1, key);
      return data.members
        .filter((member) => member.pid !== except)
        .flatMap((member) =>
          member.certificates
            .filter((certificate) => certificate.hasKey)
            .map((certificate) => ({
              pid: member.pid,
              cid: certificate.id,
              key: wrapKey(key, certificate.cert),
            })),
        );
    }

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса А");
      bob = await chatUser(server, "Бобров Боб Б");
      carol = await chatUser(server, "Карлова Карла К");
      dave = await chatUser(server, "Давыдов Давид Д");
      const created = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "Команда",
        keys: keysFor(epochKeys.get(1) as Uint8Array, [alice, bob, carol]),
      });
      chat = created.chatId as string;
    });
    after(async () => server.close());

    test("contacts carry the epoch, the caller's role, rotationDue, the wait list and the key's epoch", async () => {
      const [entry] = await call<Contact[]>(server, "/api/contacts/", { token: bob.token });
      assert.equal(entry?.chatId, chat);
      assert.deepEqual(
        [entry?.keyId, entry?.role, entry?.rotationDue, entry?.waitList],
        [1, "member", false, []],
      );
      assert.deepEqual([entry?.key?.keyId, entry?.key?.sign], [1, null]);
    });

    test("setRole: the owner makes Bob an admin; Bob may not change roles (GetChatsError)", async () => {
      const data = await call<ChatMembersData>(server, "/api/setRole/", {
        token: alice.token,
        chat,
        pid: bob.pid,
        role: "admin",
      });
      assert.deepEqual(
        data.members.map((member) => [member.pid, member.role]),
        [
          [alice.pid, "owner"],
          [bob.pid, "admin"],
          [carol.pid, "member"],
        ],
      );
      assert.equal(
        await refusal("/api/setRole/", { token: bob.token, chat, pid: carol.pid, role: "admin" }),
        "GetChatsError",
      );
    });

    test("addMembers: admin Bob adds Dave with the whole history; Carol, a member, may not (GetChatsError)", async () => {
      const key = {
        pid: dave.pid,
        cid: dave.cid,
        keyId: 1,
        key: wrapKey(epochKeys.get(1) as Uint8Array, dave.certificates[0]?.cert ?? ""),
      };
      assert.equal(
        await refusal("/api/addMembers/", {
          token: carol.token,
          chat,
          keyId: 1,
          history: "all",
          keys: [key],
        }),
        "GetChatsError",
      );
      const data = await call<ChatMembersData>(server, "/api/addMembers/", {
        token: bob.token,
        chat,
        keyId: 1,
        history: "all",
        keys: [key],
      });
      assert.ok(data.members.some((member) => member.pid === dave.pid && member.role === "member"));
      const [entry] = await call<Contact[]>(server, "/api/contacts/", { token: dave.token });
      assert.deepEqual([entry?.chatId, entry?.key?.keyId], [chat, 1]);
    });

    test("removeMember: Carol is removed under epoch 2; her sends, history and keys are refused", async () => {
      await call<Message>(server, "/api/sendMessage/", {
        token: carol.token,
        chat,
        cid: carol.cid,
        text: encrypt(epochKeys.get(1) as Uint8Array, "до удаления"),
      });
      const before = await members(alice);
      assert.equal(
        await refusal("/api/removeMember/", {
          token: alice.token,
          chat,
          pid: carol.pid,
          keyId: 1,
          version: before.version - 1,
          keys: rotation(before, carol.pid),
        }),
        "ChatKeyOutdated",
      );
      const data = await call<ChatMembersData>(server, "/api/removeMember/", {
        token: alice.token,
        chat,
        pid: carol.pid,
        keyId: 1,
        version: before.version,
        keys: rotation(before, carol.pid),
      });
      assert.equal(data.keyId, 2);
      assert.equal(
        await refusal("/api/sendMessage/", { token: carol.token, chat, cid: carol.cid, text: "eA==" }),
        "GetChatsError",
      );
      assert.equal(await refusal("/api/messages/", { token: carol.token, chat }), "GetChatsError");
      assert.equal(await refusal("/api/keys/", { token: carol.token, chat }), "GetChatsError");
      assert.equal(await refusal("/api/chatMembers/", { token: carol.token, chat }), "GetChatsError");
      const listed = await call<Contact[]>(server, "/api/contacts/", { token: carol.token });
      assert.ok(!listed.some((entry) => entry.chatId === chat));
    });

    test("sendMessage: an old keyId is ChatKeyOutdated; a v1 send is labelled with the current epoch", async () => {
      assert.equal(
        await refusal("/api/sendMessage/", { token: bob.token, chat, cid: bob.cid, text: "eA==", keyId: 1 }),
        "ChatKeyOutdated",
      );
      const sent = await call<Message>(server, "/api/sendMessage/", {
        token: bob.token,
        chat,
        cid: bob.cid,
        text: encrypt(epochKeys.get(2) as Uint8Array, "после"),
      });
      assert.equal(sent.keyId, 2);
      const page = await call<Message[]>(server, "/api/messages/", { token: dave.token, chat });
      assert.deepEqual(
        page.map((message) => message.keyId),
        [1, 2],
      );
    });

    test("keys: Dave's certificate holds epochs 1 and 2, each wrapped by its wrapper", async () => {
      const rows = await call<ChatKeyRow[]>(server, "/api/keys/", { token: dave.token, chat });
      assert.deepEqual(
        rows.map((row) => [row.keyId, row.wrappedBy]),
        [
          [1, bob.cid],
          [2, alice.cid],
        ],
      );
    });

    test("chatsKeys: rows for a certificate that is not waiting are skipped; a removed poster is GetChatsError", async () => {
      const row = { chatId: chat, pid: dave.pid, cid: dave.cid, key: "AAAA" };
      assert.deepEqual(
        await call<StoredKeyRows>(server, "/api/chatsKeys/", { token: alice.token, keys: [row] }),
        [],
      );
      assert.equal(await refusal("/api/chatsKeys/", { token: carol.token, keys: [row] }), "GetChatsError");
    });

    test("leaveChat: the owner may not leave (CreateChatError); Dave leaves and the chat shows rotationDue", async () => {
      assert.equal(await refusal("/api/leaveChat/", { token: alice.token, chat }), "CreateChatError");
      assert.deepEqual(await call(server, "/api/leaveChat/", { token: dave.token, chat }), { chatId: chat });
      const [entry] = await call<Contact[]>(server, "/api/contacts/", { token: bob.token });
      assert.deepEqual([entry?.chatId, entry?.rotationDue], [chat, true]);
    });

    test("rotateKey: the admin rotates after the leave, clearing rotationDue", async () => {
      const before = await members(bob);
      const data = await call<ChatMembersData>(server, "/api/rotateKey/", {
        token: bob.token,
        chat,
        keyId: before.keyId,
        version: before.version,
        keys: rotation(before),
      });
      assert.deepEqual([data.keyId, data.rotationDue], [3, false]);
    });

    test("a renewed certificate confirmed by SMS waits for every epoch; a member serves it and contacts carry its key", async () => {
      const renewedUser = await issueUser(server, { name: bob.name, snils: bob.snils });
      const token = await logIn(server, renewedUser);
      server.clock.advance(61_000); // past the phone's resend interval
      await registerPhone(server, token, bob.phone);
      const renewed = await profileOf(server, token);
      assert.equal(renewed.pid, bob.pid);
      const cert = renewed.certificates.find((certificate) => certificate.id === renewed.cid)?.cert ?? "";
      const waiting = await members(alice);
      assert.deepEqual(
        waiting.waitList.map((entry) => [entry.pid, entry.cid, entry.keyIds, entry.fulfillable]),
        [[bob.pid, renewed.cid, [1, 2, 3], true]],
      );
      const [before] = await call<Contact[]>(server, "/api/contacts/", { token });
      assert.deepEqual([before?.chatId, before?.key], [chat, null]);

      const stored = await call<StoredKeyRows>(server, "/api/chatsKeys/", {
        token: alice.token,
        keys: [1, 2, 3].map((keyId) => ({
          chatId: chat,
          pid: bob.pid,
          cid: renewed.cid,
          keyId,
          key: wrapKey(epochKeys.get(keyId) as Uint8Array, cert),
        })),
      });
      assert.equal(stored.length, 3);
      const [after] = await call<Contact[]>(server, "/api/contacts/", { token });
      assert.deepEqual(
        [after?.key?.keyId, after?.key?.key],
        [3, wrapKey(epochKeys.get(3) as Uint8Array, cert)],
      );
      assert.deepEqual(after?.waitList, []);
      const rows = await call<ChatKeyRow[]>(server, "/api/keys/", { token, chat });
      assert.deepEqual(
        rows.map((row) => row.keyId),
        [1, 2, 3],
      );
    });
  });
}
