import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import { freePort, kill, startRedis } from "../../../support/processes.ts";
import {
  backends,
  issueUser,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
} from "../../../support/server.ts";
import type { Backend, TestStorage } from "../../../support/storage.ts";

const DAY = 86_400_000;
const QUOTA = 5;

/** Phones nobody holds, distinct per call site. */
const unknownPhones = (from: number, count: number) =>
  Array.from({ length: count }, (_, index) => `7955${String(from + index).padStart(7, "0")}`);

for (const backend of backends) {
  describe(`/api/contacts/ [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let chat: string;

    before(async () => {
      server = await startTestServer({
        backend,
        env: {
          ...chatServerEnv,
          CERTCHAT_CONTACT_LOOKUPS_PER_DAY: String(QUOTA),
          // A second profile confirms a phone that just got a code (with the clock moved on by 1 ms).
          CERTCHAT_SMS_RESEND_INTERVAL: "1ms",
        },
      });
      alice = await chatUser(server, "Алисова Алиса Петровна");
      bob = await chatUser(server, "Бобров Борис Иванович");
      const created = await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 0,
        keys: keysFor(newChatKey(), [alice, bob]),
      });
      chat = created.chatId as string;
    });
    after(async () => server.close());

    test("phones: null lists the caller's chats, as phones: [] does", async () => {
      const list = await call<Contact[]>(server, "/api/contacts/", { token: bob.token, phones: null });
      assert.deepEqual(
        list.map((contact) => contact.chatId),
        [chat],
      );
    });

    test("a form with an empty phones= lists the caller's chats", async () => {
      const reply = await server.post("/api/contacts/", { token: bob.token, phones: "" }, { form: true });
      assert.equal(reply.body.success, true, reply.body.error);
      assert.deepEqual(
        (reply.body.data as Contact[]).map((contact) => contact.chatId),
        [chat],
      );
    });

    test("a form with one phones= value searches that phone", async () => {
      const reply = await server.post(
        "/api/contacts/",
        { token: alice.token, phones: bob.phone },
        { form: true },
      );
      assert.equal(reply.body.success, true, reply.body.error);
      assert.deepEqual(
        (reply.body.data as Contact[]).map((contact) => contact.pid),
        [bob.pid],
      );
    });

    test("full names reach clients as exactly three space-separated parts: profile, contacts and messages", async () => {
      const noPatronymic = await chatUser(server, "Smith  John");
      const profile = await call<{ name: string }>(server, "/api/profile/", { token: noPatronymic.token });
      assert.deepEqual(profile.name.split(" "), ["Smith", "John", "\u00A0"]);
      const created = await call<Contact>(server, "/api/createChat/", {
        token: noPatronymic.token,
        type: 0,
        keys: keysFor(newChatKey(), [noPatronymic, alice]),
      });
      const [asSeenByAlice] = (
        await call<Contact[]>(server, "/api/contacts/", { token: alice.token })
      ).filter((contact) => contact.chatId === created.chatId);
      assert.equal(asSeenByAlice?.user, profile.name);
      assert.equal(asSeenByAlice?.name, profile.name, "no company: the name field is the full name");
      const sent = await call<{ user: string }>(server, "/api/sendMessage/", {
        token: noPatronymic.token,
        chat: created.chatId,
        cid: noPatronymic.cid,
        text: Buffer.from("hi").toString("base64"),
      });
      assert.equal(sent.user, profile.name);
      const [stored] = await call<Array<{ user: string }>>(server, "/api/messages/", {
        token: alice.token,
        chat: created.chatId,
      });
      assert.equal(stored?.user, profile.name);
    });

    describe("the daily lookup quota", () => {
      test("distinct phones beyond the quota are refused with DataError and reveal nothing", async () => {
        const carol = await chatUser(server, "Карлова Карла Карловна");
        const found = await call<Contact[]>(server, "/api/contacts/", {
          token: carol.token,
          phones: [bob.phone, ...unknownPhones(0, QUOTA - 1)],
        });
        assert.deepEqual(
          found.map((contact) => contact.pid),
          [bob.pid],
        );
        const beyond = await server.post("/api/contacts/", { token: carol.token, phones: [alice.phone] });
        assert.deepEqual(beyond.body, { success: false, error: "DataError" });
      });

      test("phones already looked up today cost nothing again, in any format", async () => {
        const dave = await chatUser(server, "Давыдов Давид Давидович");
        const masked = `+7 (${bob.phone.slice(1, 4)}) ${bob.phone.slice(4, 7)}-${bob.phone.slice(7, 9)}-${bob.phone.slice(9)}`;
        await call(server, "/api/contacts/", {
          token: dave.token,
          phones: [bob.phone, ...unknownPhones(10, QUOTA - 1)],
        });
        for (let round = 0; round < 3; round++) {
          const again = await call<Contact[]>(server, "/api/contacts/", {
            token: dave.token,
            phones: [masked],
          });
          assert.deepEqual(
            again.map((contact) => contact.pid),
            [bob.pid],
          );
        }
      });

      test("a request that would pass the quota is refused whole: none of its phones is answered or spent", async () => {
        const erin = await chatUser(server, "Еремеева Ерина Ереевна");
        await call(server, "/api/contacts/", { token: erin.token, phones: unknownPhones(20, QUOTA - 1) });
        const tooMany = await server.post("/api/contacts/", {
          token: erin.token,
          phones: [bob.phone, alice.phone],
        });
        assert.deepEqual(tooMany.body, { success: false, error: "DataError" });
        const one = await call<Contact[]>(server, "/api/contacts/", {
          token: erin.token,
          phones: [bob.phone],
        });
        assert.deepEqual(
          one.map((contact) => contact.pid),
          [bob.pid],
        );
      });

      test("one account's spent quota leaves other accounts' lookups and everyone's chat list alone", async () => {
        const frank = await chatUser(server, "Фролов Фрол Фролович");
        const gina = await chatUser(server, "Гусева Гина Гусевна");
        await call(server, "/api/contacts/", { token: frank.token, phones: unknownPhones(30, QUOTA) });
        const refused = await server.post("/api/contacts/", { token: frank.token, phones: [bob.phone] });
        assert.equal(refused.body.error, "DataError");
        assert.deepEqual(await call(server, "/api/contacts/", { token: frank.token }), []);
        const found = await call<Contact[]>(server, "/api/contacts/", {
          token: gina.token,
          phones: [bob.phone],
        });
        assert.deepEqual(
          found.map((contact) => contact.pid),
          [bob.pid],
        );
      });

      test("a profile that confirms a second phone it holds keeps the day's spent quota", async () => {
        const ivan = await chatUser(server, "Иванов Иван Иванович");
        await call(server, "/api/contacts/", { token: ivan.token, phones: unknownPhones(50, QUOTA) });
        await registerPhone(server, ivan.token, "79780000001");
        const refused = await server.post("/api/contacts/", { token: ivan.token, phones: [bob.phone] });
        assert.deepEqual(refused.body, { success: false, error: "DataError" });
      });

      /** Another profile of `person` (same SNILS from the qualified test CA, as an employee), logged in. */
      async function employeeOf(person: ChatUser): Promise<string> {
        const certificate = { snils: person.snils, ogrn: "1027700132195", org: "ООО Ромашка" };
        return logIn(server, await issueUser(server, { name: person.name, ...certificate }));
      }

      test("profiles of one person on one phone share the quota", async () => {
        const jana = await chatUser(server, "Янова Яна Яновна");
        await call(server, "/api/contacts/", { token: jana.token, phones: unknownPhones(60, QUOTA) });
        const employee = await employeeOf(jana);
        server.clock.advance(1);
        await registerPhone(server, employee, jana.phone);
        const refused = await server.post("/api/contacts/", { token: employee, phones: [bob.phone] });
        assert.deepEqual(refused.body, { success: false, error: "DataError" });
      });

      test("a second profile of one person, on a phone of its own, shares the quota", async () => {
        const kira = await chatUser(server, "Кирова Кира Кировна");
        await call(server, "/api/contacts/", { token: kira.token, phones: unknownPhones(70, QUOTA) });
        const employee = await employeeOf(kira);
        await registerPhone(server, employee, "79780000002");
        const refused = await server.post("/api/contacts/", { token: employee, phones: [bob.phone] });
        assert.deepEqual(refused.body, { success: false, error: "DataError" });
      });

      test("the quota starts again on the next UTC day", async () => {
        const hank = await chatUser(server, "Хомяков Хома Хомович");
        await call(server, "/api/contacts/", { token: hank.token, phones: unknownPhones(40, QUOTA) });
        assert.equal(
          (await server.post("/api/contacts/", { token: hank.token, phones: [bob.phone] })).body.error,
          "DataError",
        );
        server.clock.advance(DAY);
        const found = await call<Contact[]>(server, "/api/contacts/", {
          token: hank.token,
          phones: [bob.phone],
        });
        assert.deepEqual(
          found.map((contact) => contact.pid),
          [bob.pid],
        );
      });
    });
  });
}

const postgres = backends.find((backend) => backend.name === "postgres");

describe("/api/contacts/ on two nodes sharing PostgreSQL and Redis", {
  skip: postgres?.skip ?? "no PostgreSQL",
}, () => {
  let redis: ChildProcess | undefined;
  let shared: TestStorage | undefined;
  const nodes: TestServer[] = [];

  before(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    shared = await postgres?.create();
    const database = shared;
    if (!database) throw new Error("no PostgreSQL storage");
    // Both nodes open the same schema; it is removed once, after both closed.
    const sameDatabase: Backend = {
      name: "postgres",
      skip: false,
      create: async () => ({ ...database, dispose: async () => {} }),
    };
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startTestServer({
          backend: sameDatabase,
          env: {
            ...chatServerEnv,
            CERTCHAT_CONTACT_LOOKUPS_PER_DAY: String(QUOTA),
            CERTCHAT_REDIS_URL: `redis://127.0.0.1:${port}`,
          },
        }),
      );
    }
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await shared?.dispose();
    await kill(redis);
  });

  test("a user's quota spent on one node is spent on the other", async () => {
    const [first, second] = nodes as [TestServer, TestServer];
    const harvester = await chatUser(first, "Сборщиков Сбор Сборович");
    await call(first, "/api/contacts/", { token: harvester.token, phones: unknownPhones(100, QUOTA) });
    const elsewhere = await second.post("/api/contacts/", {
      token: harvester.token,
      phones: unknownPhones(200, 1),
    });
    assert.deepEqual(elsewhere.body, { success: false, error: "DataError" });
    const repeated = await second.post("/api/contacts/", {
      token: harvester.token,
      phones: unknownPhones(100, QUOTA),
    });
    assert.deepEqual(
      repeated.body,
      { success: true, data: [] },
      "phones looked up on the first node are free",
    );
  });
});
