import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { decodeCertificateText, parseCertificate } from "../../src/pki/certificate.ts";
import { CA_CERT_FILE, createTestCa } from "../../src/server/test-ca.ts";
import { capturingLogger } from "../support/log-capture.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { useTempDir } from "../support/temp-dir.ts";

const tempDir = useTempDir("certchat-trust-warnings-");

/** Two test CAs of one name (different keys): their files and fingerprints. */
async function namesakeCas(): Promise<{ files: string[]; fingerprints: string[] }> {
  const root = await tempDir();
  const files: string[] = [];
  const fingerprints: string[] = [];
  for (const label of ["old", "new"]) {
    const dir = join(root, label);
    await createTestCa(dir, { name: "Corporate CA" });
    const file = join(dir, CA_CERT_FILE);
    files.push(file);
    fingerprints.push(parseCertificate(decodeCertificateText(await readFile(file))).fingerprint);
  }
  return { files, fingerprints };
}

describe("the server's warning of CAs sharing a name", () => {
  let server: TestServer;
  let log: ReturnType<typeof capturingLogger>;
  let cas: Awaited<ReturnType<typeof namesakeCas>>;

  /** The warning lines logged so far. */
  const warnings = () =>
    log
      .lines()
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.level === 40 && line.msg.includes("share one dn: identity"));

  before(async () => {
    cas = await namesakeCas();
    log = capturingLogger();
    server = await startTestServer({ logger: log.logger, env: { CERTCHAT_TRUST: cas.files.join(",") } });
  });

  after(async () => {
    await server?.close();
  });

  test("logs once at start, naming each certificate by fingerprint and file", () => {
    const logged = warnings();
    assert.equal(logged.length, 1);
    for (const [i, fingerprint] of cas.fingerprints.entries())
      assert.ok(logged[0]?.msg.includes(`${fingerprint} (${cas.files[i]})`), logged[0]?.msg);
    assert.match(String(logged[0]?.msg), /CN=Corporate CA/);
  });

  test("logs again at a trust reload", async () => {
    const before = warnings().length;
    assert.deepEqual(await server.server.reloadTrust(), { reloaded: true, revoked: 0 });
    assert.equal(warnings().length, before + 1);
  });
});
