/** The identity flow for holders of GOST certificates, as CryptoPro-based clients sign. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { encodeBase64 } from "../../../../src/protocol/base64.ts";
import {
  issueUser,
  logIn,
  registerPhone,
  startTestServer,
  type TestServer,
} from "../../../support/server.ts";

describe("identity flow with GOST certificates", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ caAlg: "gost2012-256" });
  });
  after(async () => server.close());

  const cases = [
    { alg: "gost2012-256", signLayout: "standard", snils: "11223344595", phone: "+7 (901) 000-00-01" },
    { alg: "gost2012-256", signLayout: "cryptoapi", snils: "08765430300", phone: "+7 (901) 000-00-02" },
    { alg: "gost2012-512", signLayout: "cryptoapi", snils: "12345678964", phone: "+7 (901) 000-00-03" },
  ] as const;
  for (const { alg, signLayout, snils, phone } of cases) {
    test(`a ${alg} user signing in the ${signLayout} layout logs in, registers a phone and sees the profile`, async () => {
      const user = await issueUser(server, { alg, signLayout, snils, name: "Смирнова Анна Сергеевна" });
      const token = await logIn(server, user);
      await registerPhone(server, token, phone);
      const profile = await server.post("/api/profile/", { token });
      assert.equal(profile.body.success, true, profile.body.error);
      const data = profile.body.data as Record<string, unknown>;
      assert.equal(data.name, "Смирнова Анна Сергеевна");
      assert.equal(data.snils, snils);
      assert.equal(data.phone, phone.replace(/\D/g, ""));
    });
  }

  for (const alg of ["gost2012-256", "gost2012-512"] as const) {
    test(`a valid ${alg} signature with one junk byte appended is InvalidSignature (engine or JS)`, async () => {
      const user = await issueUser(server, { alg, signLayout: "standard", snils: "11223344595" });
      const valid = Buffer.from(user.sign(user.der), "base64");
      const auth = await server.post("/api/auth/", {
        cert: encodeBase64(user.der),
        sign: encodeBase64(new Uint8Array(Buffer.concat([valid, Buffer.from([0x41])]))),
      });
      assert.deepEqual(auth.body, { success: false, error: "InvalidSignature" });
    });
  }

  test("a GOST signature over other bytes than the certificate is InvalidSignature", async () => {
    const user = await issueUser(server, { alg: "gost2012-512", snils: "11223344595" });
    const auth = await server.post("/api/auth/", {
      cert: encodeBase64(user.der),
      sign: user.sign(new TextEncoder().encode("not the certificate")),
    });
    assert.equal(auth.body.success, false);
    assert.equal(auth.body.error, "InvalidSignature");
  });
});
