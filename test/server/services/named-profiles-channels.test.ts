// Outside review of server authorization (docs/DECISIONS.md §40): naming members by id is free of the lookup
// quota for profiles "already met in a chat", and a channel's subscribers share the channel — yet a subscriber
// sees only the owner, the admins and itself (docs/API.md "Channels keep subscribers apart"). A subscriber past
// its quota got every fellow subscriber's phone, name and certificates by naming them in createChat or addMembers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import {
  type ChatUser,
  call,
  chatServerEnv,
  chatUser,
  keysFor,
  newChatKey,
  wrapKey,
} from "../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";

for (const backend of backends) {
  describe(`members named by id from a shared channel [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let owner: ChatUser;
    let admin: ChatUser;
    let subscriber: ChatUser;
    let fellow: ChatUser;
    let group: string;
    const groupKey = newChatKey();

    before(async () => {
      server = await startTestServer({
        backend,
        env: { ...chatServerEnv, CERTCHAT_CONTACT_LOOKUPS_PER_DAY: "3" },
      });
      owner = await chatUser(server, "Владельцев Олег О");
      admin = await chatUser(server, "Админов Адам А");
      subscriber = await chatUser(server, "Подписчиков Пётр П");
      fellow = await chatUser(server, "Соседов Семён С");
      const channel = await call<Contact>(server, "/api/createChat/", {
        token: owner.token,
        type: 2,
        name: "Новости",
        keys: keysFor(newChatKey(), [owner, admin, subscriber, fellow]),
      });
      await call(server, "/api/setRole/", {
        token: owner.token,
        chat: channel.chatId,
        pid: admin.pid,
        role: "admin",
      });
      group = (
        await call<Contact>(server, "/api/createChat/", {
          token: subscriber.token,
          type: 1,
          name: "Своя группа",
          keys: keysFor(groupKey, [subscriber]),
        })
      ).chatId as string;
      // The owner named its three members (the quota's three lookups); the others spend theirs on strangers.
      for (const user of [subscriber, admin]) {
        const phones = ["79970000001", "79970000002", "79970000003"];
        const spent = await server.post("/api/contacts/", { token: user.token, phones });
        assert.equal(spent.body.success, true, "the day's three lookups");
      }
    });
    after(async () => server.close());

    test("createChat naming a fellow subscriber is refused with DataError past the quota", async () => {
      const reply = await server.post("/api/createChat/", {
        token: subscriber.token,
        type: 0,
        keys: keysFor(newChatKey(), [subscriber, fellow]),
      });
      assert.deepEqual(reply.body, { success: false, error: "DataError" });
    });

    test("addMembers naming a fellow subscriber is refused with DataError past the quota", async () => {
      const reply = await server.post("/api/addMembers/", {
        token: subscriber.token,
        chat: group,
        keyId: 1,
        history: "now",
        keys: [
          {
            pid: fellow.pid,
            cid: fellow.cid,
            keyId: 1,
            key: wrapKey(groupKey, fellow.certificates[0]?.cert ?? ""),
          },
        ],
      });
      assert.deepEqual(reply.body, { success: false, error: "DataError" });
    });

    test("the channel's admin, whom a subscriber sees, stays free to name", async () => {
      const reply = await server.post("/api/createChat/", {
        token: subscriber.token,
        type: 0,
        keys: keysFor(newChatKey(), [subscriber, admin]),
      });
      assert.equal(reply.body.success, true);
    });

    test("an admin, who sees every subscriber, names one without the quota", async () => {
      const reply = await server.post("/api/createChat/", {
        token: admin.token,
        type: 0,
        keys: keysFor(newChatKey(), [admin, fellow]),
      });
      assert.equal(reply.body.success, true);
    });
  });
}
