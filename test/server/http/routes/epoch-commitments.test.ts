// Epoch key commitments over HTTP (docs/API.md "Epoch key commitments"): the requests that begin an epoch may carry
// one; the server checks its shape, stores it once with the epoch and serves it with every key row of that epoch.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { ChatKeyRows, ChatMembersData } from "../../../../src/protocol/schemas/members.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../../support/server.ts";

const commitmentOf = () => ({
  value: randomBytes(32).toString("base64"),
  sign: randomBytes(64).toString("base64"),
});

for (const backend of backends) {
  describe(`epoch key commitments over HTTP [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса А");
      bob = await chatUser(server, "Бобров Боб Б");
    });
    after(async () => server.close());

    async function group(commitment?: unknown): Promise<Contact> {
      return call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "Сверка",
        keys: keysFor(newChatKey(), [alice, bob]),
        ...(commitment === undefined ? {} : { commitment }),
      });
    }

    async function rotation(chat: string, token: string, commitment?: unknown) {
      const state = await call<ChatMembersData>(server, "/api/chatMembers/", { token, chat });
      return server.post("/api/rotateKey/", {
        token,
        chat,
        keyId: state.keyId,
        version: state.version,
        keys: keysFor(newChatKey(), [alice, bob]),
        ...(commitment === undefined ? {} : { commitment }),
      });
    }

    const keysOf = (user: ChatUser, chat: string) =>
      call<ChatKeyRows>(server, "/api/keys/", { token: user.token, chat });

    test("createChat's commitment is served with epoch 1's rows, signed by the creator's session certificate", async () => {
      const commitment = commitmentOf();
      const created = await group(commitment);
      const expected = { ...commitment, cert: alice.certificates[0]?.cert, by: alice.cid };
      assert.deepEqual(created.key?.commitment, expected);
      const [row] = await keysOf(bob, created.chatId as string);
      assert.deepEqual(row?.commitment, expected);
    });

    test("a rotation's commitment belongs to its epoch; the older epoch keeps its own", async () => {
      const first = commitmentOf();
      const chat = (await group(first)).chatId as string;
      await call(server, "/api/setRole/", { token: alice.token, chat, pid: bob.pid, role: "admin" });
      const second = commitmentOf();
      const reply = await rotation(chat, bob.token, second);
      assert.equal(reply.body.success, true, String(reply.body.error));
      const rows = await keysOf(alice, chat);
      assert.deepEqual(
        rows.map((row) => [row.keyId, row.commitment?.value, row.commitment?.by]),
        [
          [1, first.value, alice.cid],
          [2, second.value, bob.cid],
        ],
      );
    });

    test("a personal chat created again by the other side keeps the first creator's commitment", async () => {
      const first = commitmentOf();
      const keys = keysFor(newChatKey(), [alice, bob]);
      const created = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 0,
        keys,
        commitment: first,
      });
      const again = await call<Contact>(server, "/api/createChat/", {
        token: bob.token,
        type: 0,
        keys: keysFor(newChatKey(), [alice, bob]),
        commitment: commitmentOf(),
      });
      assert.equal(again.chatId, created.chatId);
      assert.deepEqual([again.key?.commitment?.value, again.key?.commitment?.by], [first.value, alice.cid]);
    });

    test("an epoch begun without a commitment (a v1 createChat) serves null", async () => {
      const created = await group();
      assert.equal(created.key?.commitment, null);
      const [row] = await keysOf(bob, created.chatId as string);
      assert.equal(row?.commitment, null);
    });

    const malformed: [string, unknown][] = [
      ["a value of 31 bytes", { ...commitmentOf(), value: randomBytes(31).toString("base64") }],
      ["a value of 33 bytes", { ...commitmentOf(), value: randomBytes(33).toString("base64") }],
      ["a value that is not base64", { ...commitmentOf(), value: "!".repeat(44) }],
      ["a sign that is not base64", { ...commitmentOf(), sign: "!!!! not base64" }],
      ["a sign of 1,401 characters", { ...commitmentOf(), sign: "A".repeat(1_401) }],
      ["no sign", { value: commitmentOf().value }],
      ["a string", "AAAA"],
    ];
    for (const [what, commitment] of malformed) {
      test(`a commitment with ${what} is InvalidSchema with HTTP 200 on createChat and rotateKey, and stores nothing`, async () => {
        const reply = await server.post("/api/createChat/", {
          token: alice.token,
          type: 1,
          name: "Брак",
          keys: keysFor(newChatKey(), [alice, bob]),
          commitment,
        });
        assert.deepEqual([reply.status, reply.body], [200, { success: false, error: "InvalidSchema" }]);
        const chat = (await group(commitmentOf())).chatId as string;
        const rotated = await rotation(chat, alice.token, commitment);
        assert.deepEqual([rotated.status, rotated.body], [200, { success: false, error: "InvalidSchema" }]);
        const state = await call<ChatMembersData>(server, "/api/chatMembers/", { token: alice.token, chat });
        assert.equal(state.keyId, 1);
      });
    }
  });
}
