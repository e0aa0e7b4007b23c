import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import { createTestCa, issueTestCertificate } from "../../../src/server/test-ca.ts";
import { VerifyPool } from "../../../src/server/verification/verify-pool.ts";
import { trustStoreFromPaths } from "../../support/pki.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir();
const DAY_MS = 86_400_000;

/**
 * Review probe of DECISIONS §5 ("the validity period ... of every certificate on the cached path, at the
 * login's instant"): an end-entity certificate that outlives its CA is accepted while the CA is valid, and
 * refused at a later login once the CA has expired, though the path was cached by the first login.
 */
test("a cached path is not used past its CA's notAfter, though the end-entity is still valid", async () => {
  const caDir = join(await tempDir(), "ca");
  await createTestCa(caDir);
  const trust = await trustStoreFromPaths([join(caDir, "ca.pem")]);
  const caNotAfter = trust.anchors[0]?.notAfter.getTime() ?? 0;
  const user = await issueTestCertificate(caDir, {
    name: "Долгов Пётр Петрович",
    notAfter: new Date(caNotAfter + 365 * DAY_MS),
  });
  assert.ok(parseCertificate(user.der).notAfter.getTime() > caNotAfter);
  const pool = await VerifyPool.start({
    size: 1,
    queueLimit: 4,
    setup: { trust: trust.material(), gostEngine: false },
  });
  try {
    const login = (now: number) =>
      pool.checkLogin({ der: user.der, signature: signRawForTest(user.keyPem, user.der), now });
    assert.equal((await login(Date.now())).ok, true);
    const afterCa = await login(caNotAfter + DAY_MS);
    assert.equal(afterCa.ok, false, JSON.stringify(afterCa));
  } finally {
    await pool.close();
  }
});
