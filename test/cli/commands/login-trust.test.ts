/**
 * `certchat login --trust` checks the user's own certificate against the anchors given (DECISIONS §30): a
 * certificate with a SNILS whose CA is not marked qualified counts for no client configured alike, and login says
 * so on stderr instead of leaving the user to wonder why no keys arrive.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { CA_CERT_FILE, revokeTestCertificate, writeTestCrl } from "../../../src/server/test-ca.ts";
import { testCaDir } from "../../../src/server/trust-setup.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { runCliAnswering } from "../../support/cli.ts";
import { issueUser, startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-cli-login-trust-");
const PHONE = "79790000078";
const UNQUALIFIED =
  /warning: your certificate does not count under these trust anchors \(it carries a SNILS but chains through no anchor marked qualified/;

describe("certchat login --trust and the user's own certificate", () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    dir = await tempDir();
    const issued = await issueUser(server, {
      alg: "ecdsa-p256",
      name: "Доверов Дмитрий",
      snils: "10000000078",
    });
    await writeFile(join(dir, "cert.der"), issued.der);
    await writeFile(join(dir, "key.pem"), issued.keyPem);
  });
  after(() => server.close());

  const login = (home: string, trust: string, ...more: string[]) =>
    runCliAnswering(
      [
        ...["login", "--home", join(dir, home), "--server", server.url, "--phone", `+${PHONE}`],
        ...["--cert", join(dir, "cert.der"), "--key", join(dir, "key.pem"), "--trust", trust, ...more],
      ],
      {},
      { prompt: "SMS code sent to", answer: () => server.sms.lastCodeFor(PHONE)?.code ?? "" },
    );

  it("warns when the anchors leave the user's SNILS certificate unqualified", async () => {
    const result = await login("unmarked", join(testCaDir(server.dataDir), CA_CERT_FILE));
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, UNQUALIFIED);
  });

  it("says nothing of the kind when the user's CA is marked qualified", async () => {
    const result = await login("marked", `qualified:${join(testCaDir(server.dataDir), CA_CERT_FILE)}`);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /does not count under these trust anchors/);
  });

  it("reads a CRL given with --crl, keeps it for later commands, and warns when it revokes the user's own certificate", async () => {
    const caDir = testCaDir(server.dataDir);
    await revokeTestCertificate(caDir, await readFile(join(dir, "cert.der")));
    const crl = join(dir, "revoked.crl");
    await writeTestCrl(caDir, crl);
    const result = await login("revoked", `qualified:${join(caDir, CA_CERT_FILE)}`, "--crl", crl);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /does not count under these trust anchors \(.*revoked/i);
    const session = JSON.parse(await readFile(join(dir, "revoked", "session.json"), "utf8")) as {
      crl?: string;
    };
    assert.equal(session.crl, crl);
  });
});
