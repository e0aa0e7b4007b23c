import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { revokeTestCertificate, writeTestCrl } from "../../../../src/server/test-ca.ts";
import { testCaDir } from "../../../../src/server/trust-setup.ts";
import {
  backends,
  issueUser,
  startLogin,
  startTestServer,
  type TestServer,
} from "../../../support/server.ts";

/**
 * /api/auth/ validates the certificate; a login whose certificate is revoked (CRL reloaded) or expires before
 * /api/confirmAuth/ must not be confirmed, with the code a fresh login with that certificate would get.
 */
for (const backend of backends) {
  describe(`confirmAuth after the certificate's revocation or end [${backend.name}]`, {
    skip: backend.skip,
  }, () => {
    let server: TestServer;
    let crlDir: string;
    before(async () => {
      crlDir = mkdtempSync(join(tmpdir(), "certchat-crl-"));
      server = await startTestServer({ backend, env: { CERTCHAT_CRL: crlDir } });
    });
    after(async () => {
      await server.close();
      rmSync(crlDir, { recursive: true, force: true });
    });

    test("a certificate revoked by a CRL reloaded between auth and confirmAuth is InvalidCertificate", async () => {
      const user = await issueUser(server, { name: "Отзывов Олег Олегович", snils: "11223344595" });
      const pending = await startLogin(server, user);
      const login = { token: pending.token, sign: user.sign(pending.nonce) };
      await revokeTestCertificate(testCaDir(server.dataDir), user.der);
      await writeTestCrl(testCaDir(server.dataDir), join(crlDir, "crl.pem"));
      assert.deepEqual(await server.server.reloadTrust(), { reloaded: true, revoked: 1 });
      const confirm = await server.post("/api/confirmAuth/", login);
      assert.deepEqual(confirm.body, { success: false, error: "InvalidCertificate" });
      const profile = await server.post("/api/profile/", { token: login.token });
      assert.deepEqual(profile.body, { success: false, error: "NeedAuthentication" });
    });

    test("a certificate that expires between auth and confirmAuth is CertificateExpired", async () => {
      const user = await issueUser(server, {
        name: "Истёков Игорь Игоревич",
        snils: "08765430300",
        notAfter: new Date(server.clock.now + 60_000),
      });
      const pending = await startLogin(server, user);
      const login = { token: pending.token, sign: user.sign(pending.nonce) };
      // Past the certificate's end, well within the nonce's five minutes.
      server.clock.advance(2 * 60_000);
      const confirm = await server.post("/api/confirmAuth/", login);
      assert.deepEqual(confirm.body, { success: false, error: "CertificateExpired" });
    });
  });
}
