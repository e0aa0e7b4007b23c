// Review probes (red team, session 8): `chatsKeys` in a channel. A subscriber sees only the owner, the admins and
// itself (docs/API.md "Channels keep subscribers apart"), so it has no business serving another subscriber's
// certificate — and its answer must not tell which profiles subscribe.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ChatUser, call, chatServerEnv, chatUser, wrapKey } from "../../support/chats.ts";
import { groupOf, membersOf, renew } from "../../support/membership.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";

for (const backend of backends) {
  describe(`chatsKeys in a channel, by a subscriber [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let owner: ChatUser;
    let carol: ChatUser;
    let dave: ChatUser;
    let erin: ChatUser;
    let chat: string;
    let chatKey: Uint8Array;

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      owner = await chatUser(server, "Владелец Олег Олегович");
      carol = await chatUser(server, "Карлова Карла Карловна");
      dave = await chatUser(server, "Давыдов Давид Давидович");
      erin = await chatUser(server, "Еремина Ева Евгеньевна");
      ({ chat, chatKey } = await groupOf(server, owner, [carol, dave], 2));
    });
    after(async () => server.close());

    /** The phone's code resend interval has passed (the test clock stands still otherwise). */
    function renewLater(on: TestServer, user: ChatUser): Promise<ChatUser> {
      on.clock.advance(61_000);
      return renew(on, user);
    }

    function serve(by: ChatUser, target: ChatUser) {
      return server.post("/api/chatsKeys/", {
        token: by.token,
        keys: [
          {
            chatId: chat,
            pid: target.pid,
            cid: target.cid,
            key: wrapKey(chatKey, target.certificates[0]?.cert ?? ""),
          },
        ],
      });
    }

    test("a subscriber's answer for another subscriber is the one for a non-member: no membership oracle", async () => {
      const forSubscriber = await serve(carol, dave);
      const forStranger = await serve(carol, erin);
      assert.deepEqual(forStranger.body, { success: false, error: "CreateChatKeysError" });
      assert.deepEqual(forSubscriber.body, forStranger.body);
    });

    test("a subscriber cannot plant a key row for another subscriber's waiting certificate", async () => {
      const renewed = await renewLater(server, dave);
      const before = await membersOf(server, owner, chat);
      assert.ok(
        before.waitList.some((entry) => entry.cid === renewed.cid),
        "the renewed certificate waits",
      );
      const reply = await server.post("/api/chatsKeys/", {
        token: carol.token,
        keys: [{ chatId: chat, pid: renewed.pid, cid: renewed.cid, key: wrapKey(chatKey, "AAAA") }],
      });
      assert.deepEqual(reply.body, { success: false, error: "CreateChatKeysError" });
      const after = await membersOf(server, owner, chat);
      assert.ok(
        after.waitList.some((entry) => entry.cid === renewed.cid),
        "the certificate still waits",
      );
    });

    test("a subscriber still serves its own waiting certificate, and the owner serves any subscriber", async () => {
      const renewedCarol = await renewLater(server, carol);
      const own = await call<unknown[]>(server, "/api/chatsKeys/", {
        token: carol.token,
        keys: [{ chatId: chat, pid: carol.pid, cid: renewedCarol.cid, key: wrapKey(chatKey, "AAAA") }],
      });
      assert.equal(own.length, 1);
      const renewedDave = await renewLater(server, dave);
      const byOwner = await call<unknown[]>(server, "/api/chatsKeys/", {
        token: owner.token,
        keys: [{ chatId: chat, pid: dave.pid, cid: renewedDave.cid, key: wrapKey(chatKey, "AAAA") }],
      });
      assert.equal(byOwner.length, 1);
    });
  });
}
