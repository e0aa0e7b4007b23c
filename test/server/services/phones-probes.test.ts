// Review probes (red team, session 8): `registryPhone` as a phone-enumeration oracle. `contacts` limits how many
// phones a user may look up a day, so that nobody learns in bulk which phones are registered (docs/API.md
// "Lookup quota"). registryPhone answers PhoneAlreadyRegistered for another person's phone, and sent no SMS for
// it, so the attempt counted against no limit: any session — even one without a phone — could test every
// number. Each attempt now counts, per session profile and per client address, before the phone is looked at.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ChatUser, chatUser } from "../../support/chats.ts";
import { backends, issueUser, logIn, startTestServer, type TestServer } from "../../support/server.ts";

const LIMIT = 5;

for (const backend of backends) {
  describe(`registryPhone as a phone oracle [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let victim: ChatUser;
    let attackerToken: string;

    before(async () => {
      server = await startTestServer({
        backend,
        env: { CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: String(LIMIT), CERTCHAT_TRUST_PROXY: "127.0.0.1" },
      });
      victim = await chatUser(server, "Жертвова Вера Викторовна");
      // The attacker needs only a certificate: a session without a confirmed phone may call registryPhone.
      const attacker = await issueUser(server, { name: "Чужой Иван Иванович", snils: "12345678964" });
      attackerToken = await logIn(server, attacker);
    });
    after(async () => server.close());

    function probe(address: string) {
      return server.post(
        "/api/registryPhone/",
        { token: attackerToken, phone: victim.phone },
        { headers: { "x-forwarded-for": address } },
      );
    }

    test("tries at a registered phone count: past the hourly number the answer is SMSError, told nothing", async () => {
      const answers: string[] = [];
      for (let attempt = 0; attempt < 3 * LIMIT; attempt += 1)
        answers.push(String((await probe("198.51.100.7")).body.error));
      const told = answers.filter((error) => error === "PhoneAlreadyRegistered").length;
      assert.ok(told <= LIMIT, `${told} of ${answers.length} tries told the phone is registered`);
      assert.equal(answers.at(-1), "SMSError");
    });

    test("one session's tries count across client addresses", async () => {
      const answers: string[] = [];
      for (let attempt = 0; attempt < 3 * LIMIT; attempt += 1)
        answers.push(String((await probe(`203.0.113.${attempt + 1}`)).body.error));
      assert.deepEqual(new Set(answers), new Set(["SMSError"]), "the session's tries were already spent");
    });
  });
}
