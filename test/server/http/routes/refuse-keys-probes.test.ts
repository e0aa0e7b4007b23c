// Review probes for /api/refuseKeys/ over HTTP (commit be986a9): forms, a member who left, a member of another
// chat. Every bad input must be HTTP 200 {success:false}, never a 5xx, and nobody but a member may refuse.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../../support/server.ts";

for (const backend of backends) {
  describe(`refuseKeys probes over HTTP [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let carol: ChatUser;
    let chat: string;

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса А");
      bob = await chatUser(server, "Бобров Боб Б");
      carol = await chatUser(server, "Карлова Карла К");
      const created = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name: "Отказы",
        keys: keysFor(newChatKey(), [alice, bob]),
      });
      chat = created.chatId as string;
    });
    after(async () => server.close());

    test("refuseKeys as a form with repeated keyIds fields answers HTTP 200", async () => {
      const form = `token=${encodeURIComponent(bob.token)}&chat=${chat}&keyIds=7&keyIds=8`;
      const reply = await server.post("/api/refuseKeys/", form, { form: true });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
    });

    test("refuseKeys as a form with keyIds given as text answers HTTP 200 InvalidSchema", async () => {
      const form = `token=${encodeURIComponent(bob.token)}&chat=${chat}&keyIds=one`;
      const reply = await server.post("/api/refuseKeys/", form, { form: true });
      assert.deepEqual([reply.status, reply.body.success, reply.body.error], [200, false, "InvalidSchema"]);
    });

    test("a member of another chat cannot refuse this chat's rows: GetChatsError", async () => {
      const reply = await server.post("/api/refuseKeys/", { token: carol.token, chat, keyIds: [1] });
      assert.deepEqual([reply.status, reply.body.success, reply.body.error], [200, false, "GetChatsError"]);
    });
  });
}
