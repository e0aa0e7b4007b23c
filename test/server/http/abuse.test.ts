import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { encodeBase64 } from "../../../src/protocol/base64.ts";
import {
  issueUser,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
  type TestUser,
} from "../../support/server.ts";

describe("login rate limit", () => {
  let server: TestServer;
  let user: TestUser;
  before(async () => {
    server = await startTestServer({ env: { CERTCHAT_AUTH_RATE: "3/1h" } });
    user = await issueUser(server);
  });
  after(async () => server.close());

  test("the request after the limit is AuthenticationFailed, even with a valid certificate", async () => {
    const junk = { cert: encodeBase64(new Uint8Array(100).fill(0x42)), sign: "AAAA" };
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await server.post("/api/auth/", junk)).body, {
        success: false,
        error: "InvalidCertificate",
      });
    }
    const valid = { cert: encodeBase64(user.der), sign: user.sign(user.der) };
    const refused = await server.post("/api/auth/", valid);
    assert.equal(refused.status, 200);
    assert.deepEqual(refused.body, { success: false, error: "AuthenticationFailed" });
  });

  test("confirmAuth has its own limit", async () => {
    const attempt = () =>
      server.post("/api/confirmAuth/", { token: "99b082c6-979b-4646-9e85-60f30b1c37a7", sign: "AAAA" });
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await attempt()).body, { success: false, error: "NeedAuthentication" });
    }
    assert.deepEqual((await attempt()).body, { success: false, error: "AuthenticationFailed" });
  });

  test("other methods are not limited", async () => {
    for (let i = 0; i < 5; i++) {
      assert.deepEqual((await server.post("/api/profile/", {})).body, {
        success: false,
        error: "NeedAuthentication",
      });
    }
  });
});

// GOST R 34.10-2012-512 is the most expensive check there is (docs/DECISIONS.md §5): the flood uses it.
describe("a flood of GOST-512 logins", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ caAlg: "gost2012-512" });
  });
  after(async () => server.close());

  test("does not hold up a signed-in user's requests", async () => {
    const user = await issueUser(server, { alg: "gost2012-512" });
    const token = await logIn(server, user);
    await registerPhone(server, token, "79161234567");
    const attacker = await issueUser(server, { alg: "gost2012-512", snils: "08765430300" });

    // Well-formed certificates with signatures by the wrong key: every one costs a chain validation and a
    // signature verification before it is refused.
    const FLOOD = 300;
    const forged = { cert: encodeBase64(user.der), sign: attacker.sign(user.der) };
    let floodAnswered = 0;
    const answers = new Map<string, number>();
    const flood = Array.from({ length: FLOOD }, async () => {
      const reply = await server.post("/api/auth/", forged);
      floodAnswered++;
      answers.set(reply.body.error ?? "success", (answers.get(reply.body.error ?? "success") ?? 0) + 1);
    });

    const floodAnsweredAfterProfiles: number[] = [];
    for (let i = 0; i < 10; i++) {
      const profile = await server.post("/api/profile/", { token });
      assert.equal(profile.body.success, true, profile.body.error);
      floodAnsweredAfterProfiles.push(floodAnswered);
    }
    await Promise.all(flood);

    // The profile requests were answered while the flood was still being worked off, not after it.
    assert.ok(
      (floodAnsweredAfterProfiles.at(-1) ?? FLOOD) < FLOOD,
      `all ${FLOOD} flood logins were answered before 10 profile requests (${floodAnsweredAfterProfiles.join(",")})`,
    );
    // Each forged login was refused: as a bad signature, or at once when the verification queue was full.
    const refusals = [...answers.keys()].sort();
    assert.ok(
      refusals.every((code) => code === "InvalidSignature" || code === "CryptoError"),
      refusals.join(),
    );
    assert.equal(
      [...answers.values()].reduce((a, b) => a + b, 0),
      FLOOD,
    );
  });
});
