// Membership over HTTP at its boundaries (from the outside review of issue 13): body and field limits, forms,
// and what a member added with history "now" or a removed member can still reach.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { ChatMembersData } from "../../../../src/protocol/schemas/members.ts";
import {
  type ChatUser,
  call,
  chatServerEnv,
  chatUser,
  encrypt,
  keysFor,
  newChatKey,
  wrapKey,
} from "../../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../../support/server.ts";

for (const backend of backends) {
  describe(`membership boundaries over HTTP [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let carol: ChatUser;
    let chat: string;
    const key1 = newChatKey();
    let fileId = "";

    async function refusal(path: string, body: Record<string, unknown>, form = false) {
      const reply = await server.post(path, body, { form });
      assert.equal(reply.status, 200, `${path}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
      assert.equal(reply.body.success, false);
      return reply.body.error;
    }

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса А");
      bob = await chatUser(server, "Бобров Боб Б");
      carol = await chatUser(server, "Карлова Карла К");
      const created = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "Ревизия",
        keys: keysFor(key1, [alice, bob, carol]),
      });
      chat = created.chatId as string;
    });
    after(async () => server.close());

    test("1000 key rows of 8 KiB each: HTTP 413 DataError, as documented for bodies over 1 MiB", async () => {
      const key = "A".repeat(8_192);
      const keys = Array.from({ length: 1000 }, () => ({ chatId: chat, pid: bob.pid, cid: bob.cid, key }));
      const reply = await server.post("/api/chatsKeys/", { token: alice.token, keys });
      assert.deepEqual([reply.status, reply.body], [413, { success: false, error: "DataError" }]);
    });

    test("a key row whose sign is not base64 is InvalidSchema (it is stored as sent, and clients then refuse the row)", async () => {
      const row = { chatId: chat, pid: bob.pid, cid: bob.cid, key: "AAAA" };
      assert.equal(
        await refusal("/api/chatsKeys/", { token: alice.token, keys: [{ ...row, sign: "!!!! not base64" }] }),
        "InvalidSchema",
      );
    });

    test("a 1,401-character sign and 1,001 keyIds are InvalidSchema", async () => {
      const row = { chatId: chat, pid: bob.pid, cid: bob.cid, key: "AAAA" };
      assert.equal(
        await refusal("/api/chatsKeys/", { token: alice.token, keys: [{ ...row, sign: "A".repeat(1_401) }] }),
        "InvalidSchema",
      );
      const keyIds = Array.from({ length: 1_001 }, (_, i) => i + 1);
      assert.equal(await refusal("/api/keys/", { token: alice.token, chat, keyIds }), "InvalidSchema");
    });

    test("removeMember as a form (no key rows) is InvalidSchema with HTTP 200", async () => {
      const code = await refusal(
        "/api/removeMember/",
        { token: alice.token, chat, pid: carol.pid, keyId: 1, version: 1 },
        true,
      );
      assert.equal(code, "InvalidSchema");
    });

    test("a member added with history now gets no file (JSON or raw GET) or message sent before its addition", async () => {
      const sent = await call<{ id: number; file: string }>(server, "/api/sendMessage/", {
        token: alice.token,
        chat,
        cid: alice.cid,
        data: encrypt(key1, "файл до добавления"),
        type: "file",
      });
      const dave = await chatUser(server, "Давыдов Давид Д");
      await call(server, "/api/addMembers/", {
        token: alice.token,
        chat,
        keyId: 1,
        history: "now",
        keys: [
          { pid: dave.pid, cid: dave.cid, keyId: 1, key: wrapKey(key1, dave.certificates[0]?.cert ?? "") },
        ],
      });
      assert.equal(await refusal("/api/file/", { token: dave.token, chat, file: sent.file }), "DataError");
      const raw = await fetch(`${server.url}/api/file/${chat}/${sent.file}`, {
        headers: { authorization: `Bearer ${dave.token}` },
      });
      assert.notEqual(raw.status, 200);
      const page = await call<{ id: number }[]>(server, "/api/messages/", {
        token: dave.token,
        chat,
        id: sent.id + 1,
        rel: "prev",
      });
      assert.deepEqual(page, []);
      fileId = sent.file;
    });

    test("a removed member's send under its old keyId answers GetChatsError, as docs/API.md says, and it gets no file", async () => {
      const seen = await call<ChatMembersData>(server, "/api/chatMembers/", { token: alice.token, chat });
      const key2 = newChatKey();
      await call(server, "/api/removeMember/", {
        token: alice.token,
        chat,
        pid: carol.pid,
        keyId: 1,
        version: seen.version,
        keys: seen.members
          .filter((member) => member.pid !== carol.pid)
          .flatMap((member) =>
            member.certificates.map((c) => ({ pid: member.pid, cid: c.id, key: wrapKey(key2, c.cert) })),
          ),
      });
      const text = encrypt(key1, "после удаления");
      const codes = [
        await refusal("/api/sendMessage/", { token: carol.token, chat, cid: carol.cid, text, keyId: 1 }),
        await refusal("/api/sendMessage/", { token: carol.token, chat, cid: carol.cid, text, keyId: 2 }),
        await refusal("/api/sendMessage/", { token: carol.token, chat, cid: carol.cid, text }),
      ];
      assert.deepEqual(codes, ["GetChatsError", "GetChatsError", "GetChatsError"]);
      const raw = await fetch(`${server.url}/api/file/${chat}/${fileId}`, {
        headers: { authorization: `Bearer ${carol.token}` },
      });
      assert.notEqual(raw.status, 200);
      assert.equal(await refusal("/api/file/", { token: carol.token, chat, file: fileId }), "GetChatsError");
    });

    for (const [what, keyIds] of [
      ["no epochs", []],
      ["epoch 0", [0]],
      ["an epoch as text", ["one"]],
      ["1001 epochs", Array.from({ length: 1001 }, (_, n) => n + 1)],
    ] as const)
      test(`refuseKeys with ${what} is InvalidSchema with HTTP 200`, async () => {
        assert.equal(await refusal("/api/refuseKeys/", { token: bob.token, chat, keyIds }), "InvalidSchema");
      });

    test("refuseKeys without a session is NeedAuthentication with HTTP 200", async () => {
      assert.equal(await refusal("/api/refuseKeys/", { chat, keyIds: [1] }), "NeedAuthentication");
    });

    test("refuseKeys over HTTP gives back the member's own row, and its certificate waits again", async () => {
      const refused = await call<{ keyId: number; wrappedBy: number }[]>(server, "/api/refuseKeys/", {
        token: bob.token,
        chat,
        keyIds: [1],
      });
      assert.deepEqual(refused, [{ keyId: 1, wrappedBy: alice.cid }]);
      const members = await call<ChatMembersData>(server, "/api/chatMembers/", { token: alice.token, chat });
      assert.deepEqual(
        members.waitList.map((entry) => [entry.cid, entry.refused]),
        [[bob.cid, [{ keyId: 1, pid: alice.pid }]]],
      );
    });
  });
}
