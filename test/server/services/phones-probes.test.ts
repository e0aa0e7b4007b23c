// Review probes (red team, session 8): `registryPhone` as a phone-enumeration oracle. `contacts` limits how many
// phones a user may look up a day, so that nobody can learn which phones are registered in bulk (docs/API.md
// "Lookup quota"). `registryPhone` answers PhoneAlreadyRegistered for a phone of another person before any
// limit is applied and without counting the attempt, so any session — even one without a phone — can test
// every phone number, with no limit at all.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ChatUser, chatUser } from "../../support/chats.ts";
import { backends, issueUser, logIn, startTestServer, type TestServer } from "../../support/server.ts";

const todo =
  "open: registryPhone is an unlimited oracle of registered phones (PhoneAlreadyRegistered is answered before, " +
  "and is not counted by, any limit). Fix: count every registryPhone attempt (refusals too) per session and per " +
  "address before the availability check; not small (a new limiter wired into PhoneService)";

for (const backend of backends) {
  describe(`registryPhone as a phone oracle [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let victim: ChatUser;
    let attackerToken: string;

    before(async () => {
      // Two SMS per address and hour: the victim's registration spends one, the attacker's first probe the other.
      server = await startTestServer({ backend, env: { CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: "2" } });
      victim = await chatUser(server, "Жертвова Вера Викторовна");
      // The attacker needs only a certificate: a session without a confirmed phone may call registryPhone.
      attackerToken = await logIn(
        server,
        await issueUser(server, { name: "Чужой Иван Иванович", snils: "12345678964" }),
      );
    });
    after(async () => server.close());

    test("past the address's SMS limit, a registered phone and a free one get the same answer", {
      todo,
    }, async () => {
      const spend = await server.post("/api/registryPhone/", { token: attackerToken, phone: "79970000001" });
      assert.equal(spend.body.success, true, JSON.stringify(spend.body));
      server.clock.advance(61_000);
      const free = await server.post("/api/registryPhone/", { token: attackerToken, phone: "79970000002" });
      assert.deepEqual(free.body, { success: false, error: "SMSError" });
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const registered = await server.post("/api/registryPhone/", {
          token: attackerToken,
          phone: victim.phone,
        });
        assert.deepEqual(registered.body, free.body, `attempt ${attempt + 1} tells the victim's phone apart`);
      }
    });
  });
}
