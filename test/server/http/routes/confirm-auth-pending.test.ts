import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  backends,
  issueUser,
  logIn,
  registerPhone,
  startLogin,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../../../support/server.ts";

/**
 * Review probe of findPendingLogin (one read of the session, its certificate's DER and its profile's user):
 * the nonce's signature is checked against the certificate of the token's own pending login, never another's.
 */
for (const backend of backends) {
  describe(`confirmAuth reads the token's own pending login [${backend.name}]`, {
    skip: backend.skip,
  }, () => {
    let server: TestServer;
    let alice: TestUser;
    let mallory: TestUser;
    before(async () => {
      server = await startTestServer({ backend });
      alice = await issueUser(server, { name: "Алисова Алиса Петровна", snils: "11223344595" });
      mallory = await issueUser(server, { name: "Злодеев Мэллори Иванович", snils: "08765430300" });
    });
    after(async () => server.close());

    test("another certificate's signature of the token's nonce does not confirm it, and burns the nonce", async () => {
      const victim = await startLogin(server, alice);
      const forged = await server.post("/api/confirmAuth/", {
        token: victim.token,
        sign: mallory.sign(victim.nonce),
      });
      assert.deepEqual(forged.body, { success: false, error: "InvalidSignature" });
      const late = await server.post("/api/confirmAuth/", {
        token: victim.token,
        sign: alice.sign(victim.nonce),
      });
      assert.deepEqual(late.body, { success: false, error: "AuthenticationFailed" });
    });

    test("a valid answer to one pending login does not confirm another login's token", async () => {
      const own = await startLogin(server, mallory);
      const victim = await startLogin(server, alice);
      const crossed = await server.post("/api/confirmAuth/", {
        token: victim.token,
        sign: mallory.sign(own.nonce),
      });
      assert.deepEqual(crossed.body, { success: false, error: "InvalidSignature" });
    });

    test("of two concurrent confirmations with the right signature exactly one succeeds", async () => {
      const login = await startLogin(server, alice);
      const sign = alice.sign(login.nonce);
      const replies = await Promise.all([
        server.post("/api/confirmAuth/", { token: login.token, sign }),
        server.post("/api/confirmAuth/", { token: login.token, sign }),
        server.post("/api/confirmAuth/", { token: login.token, sign }),
      ]);
      assert.equal(replies.filter((reply) => reply.body.success).length, 1);
      for (const reply of replies.filter((r) => !r.body.success))
        assert.deepEqual(reply.body, { success: false, error: "AuthenticationFailed" });
    });

    test("a returning user whose profile has a phone is not asked to register one", async () => {
      const bob = await issueUser(server, { name: "Бобров Борис Иванович", snils: "12345678964" });
      await registerPhone(server, await logIn(server, bob), "79000000777");
      const login = await startLogin(server, bob);
      const confirm = await server.post("/api/confirmAuth/", {
        token: login.token,
        sign: bob.sign(login.nonce),
      });
      assert.deepEqual(confirm.body, { success: true, data: { needRegisterPhone: false } });
    });
  });
}
