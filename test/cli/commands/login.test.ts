import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { encodePem } from "../../../src/pki/pem.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { runCli, runCliAnswering } from "../../support/cli.ts";
import { issueUser, startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { toolSkip } from "../../support/tools.ts";

const tempDir = useTempDir("certchat-cli-login-");
const PASSWORD = "пароль от PFX";
const PHONE = "79790000077";

describe("certchat login --pfx", { skip: toolSkip("openssl", ["version"]) }, () => {
  let server: TestServer;
  let dir: string;
  let pfxPath: string;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    dir = await tempDir();
    const issued = await issueUser(server, { alg: "ecdsa-p256", name: "Пфиксов Пётр", snils: "10000000077" });
    await writeFile(join(dir, "cert.pem"), encodePem("CERTIFICATE", issued.der));
    await writeFile(join(dir, "key.pem"), issued.keyPem);
    pfxPath = join(dir, "user.pfx");
    execFileSync("openssl", [
      "pkcs12",
      "-export",
      "-in",
      join(dir, "cert.pem"),
      "-inkey",
      join(dir, "key.pem"),
      "-passout",
      `pass:${PASSWORD}`,
      "-out",
      pfxPath,
    ]);
  });
  after(() => server.close());

  const login = (home: string, extra: string[]) =>
    runCliAnswering(
      ["login", "--home", home, "--server", server.url, "--pfx", pfxPath, "--phone", `+${PHONE}`, ...extra],
      {},
      { prompt: "SMS code sent to", answer: () => server.sms.lastCodeFor(PHONE)?.code ?? "" },
    );

  it("logs in with the key and certificate of a PFX and keeps its path, never the password", async () => {
    const home = join(dir, "home");
    const result = await login(home, ["--password", PASSWORD]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /logged in as Пфиксов Пётр/);
    const session = await readFile(join(home, "session.json"), "utf8");
    assert.equal(JSON.parse(session).pfxPath, pfxPath);
    assert.doesNotMatch(session, /пароль/);
  });

  it("later commands take the PFX password from $CERTCHAT_PFX_PASSWORD or ask for it", async () => {
    const home = join(dir, "home");
    const fromEnv = await runCli(["contacts", "--home", home], { CERTCHAT_PFX_PASSWORD: PASSWORD });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    const asked = await runCliAnswering(
      ["contacts", "--home", home],
      {},
      {
        prompt: "PFX password: ",
        answer: () => PASSWORD,
      },
    );
    assert.equal(asked.code, 0, asked.stderr);
  });

  it("a wrong PFX password fails the login with a message that says so", async () => {
    const result = await login(join(dir, "wrong"), ["--password", "не тот"]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /wrong password/);
  });

  it("refuses --pfx together with --cert", async () => {
    const result = await login(join(dir, "both"), ["--cert", join(dir, "cert.pem")]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /give --pfx or --cert with --key, not both/);
  });
});
