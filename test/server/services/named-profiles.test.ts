// Red-team probe (session 8), now the guard of the fix (src/server/services/named-profiles.ts): `createChat` as a
// directory of every user. Profile and certificate ids are
// small sequential integers, and a personal chat's answer is the other member's contact object: phone, full
// name, company, certificates (DER, with SNILS and INN). So a user who has spent its daily phone lookups
// (docs/API.md "Lookup quota") still harvests strangers' phones by guessing (pid, cid) pairs, and each guess
// that hits also drops an unasked-for chat into the stranger's list.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import { type ChatUser, chatServerEnv, chatUser, keysFor, newChatKey } from "../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";

for (const backend of backends) {
  describe(`createChat with guessed ids [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let strangers: ChatUser[];
    let attacker: ChatUser;

    before(async () => {
      server = await startTestServer({
        backend,
        env: { ...chatServerEnv, CERTCHAT_CONTACT_LOOKUPS_PER_DAY: "1" },
      });
      strangers = [
        await chatUser(server, "Первов Пётр Петрович"),
        await chatUser(server, "Вторых Вера Викторовна"),
        await chatUser(server, "Третьяков Тимур Тимурович"),
      ];
      attacker = await chatUser(server, "Чужой Иван Иванович");
      const spent = await server.post("/api/contacts/", { token: attacker.token, phones: ["79970000001"] });
      assert.equal(spent.body.success, true);
    });
    after(async () => server.close());

    test("with the lookup quota spent, guessing ids reveals no stranger's phone", async () => {
      const search = await server.post("/api/contacts/", {
        token: attacker.token,
        phones: [strangers[0]?.phone],
      });
      assert.deepEqual(search.body, { success: false, error: "DataError" }, "the quota is spent");
      const revealed: string[] = [];
      for (let pid = 1; pid <= 5; pid += 1) {
        for (let cid = 1; cid <= 5; cid += 1) {
          if (pid === attacker.pid) continue;
          const guess = { pid, certificates: [{ id: cid, cert: "" }] };
          const reply = await server.post("/api/createChat/", {
            token: attacker.token,
            type: 0,
            keys: keysFor(newChatKey(), [attacker, guess]),
          });
          if (reply.body.success) {
            revealed.push((reply.body.data as Contact).phone);
            break;
          }
        }
      }
      assert.deepEqual(revealed, [], "phones learned without a lookup");
    });

    test("a partner looked up that day, or already met in a chat, costs no more of the quota", async () => {
      const [first, second] = strangers;
      assert.ok(first && second);
      const honest = await chatUser(server, "Честнов Олег Олегович");
      const found = await server.post("/api/contacts/", { token: honest.token, phones: [first.phone] });
      assert.equal(found.body.success, true, "the day's one lookup");
      const personal = await server.post("/api/createChat/", {
        token: honest.token,
        type: 0,
        keys: keysFor(newChatKey(), [honest, first]),
      });
      assert.equal(personal.body.success, true, "the partner looked up today");
      const group = await server.post("/api/createChat/", {
        token: honest.token,
        type: 1,
        name: "Знакомые",
        keys: keysFor(newChatKey(), [honest, first]),
      });
      assert.equal(group.body.success, true, "a member already met in a chat");
      const stranger = await server.post("/api/createChat/", {
        token: honest.token,
        type: 1,
        name: "Незнакомые",
        keys: keysFor(newChatKey(), [honest, second]),
      });
      assert.deepEqual(stranger.body, { success: false, error: "DataError" }, "a new phone past the quota");
    });
  });
}
