import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { runCli, startCli, tempDataDir } from "../../support/cli.ts";
import { issueUser, logIn, poster } from "../../support/server.ts";
import { TestSmsGateway } from "../../support/sms-gateway.ts";

test("a bad setting stops serve with one line naming the variable and exit code 2", async () => {
  const result = await runCli(["serve"], { CERTCHAT_DATA_DIR: tempDataDir(), CERTCHAT_PORT: "eighty" });
  assert.equal(result.code, 2);
  assert.equal(result.stderr.trim().split("\n").length, 1);
  assert.match(result.stderr, /CERTCHAT_PORT/);
});

test("serve prints where it listens and the storage, trust, SMS, file, real-time and metrics settings, and stops on SIGTERM", async () => {
  const dataDir = tempDataDir();
  const { child, stdout } = await startCli(
    ["serve"],
    { CERTCHAT_DATA_DIR: dataDir, CERTCHAT_PORT: "0", CERTCHAT_LOG_LEVEL: "silent" },
    "realtime:",
  );
  const banner = stdout();
  assert.match(banner, /certchat listening on http:\/\/127\.0\.0\.1:\d+/);
  assert.match(banner, /storage: SQLite .*certchat\.sqlite/);
  assert.match(banner, /trust: +test CA .*ca\.pem/);
  assert.match(banner, /sms: +console/);
  assert.match(banner, /verify: +\d+ worker\(s\), queue 256/);
  assert.match(banner, /GOST: +(engine \(.*gost\.so, self-test passed\)|JS \(.+\))/);
  assert.match(banner, /files: +files in .*files/);
  assert.match(banner, /realtime: socket\.io \(single node\)/);
  assert.match(banner, /metrics: http:\/\/127\.0\.0\.1:\d+\/metrics/);
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
});

test("with CERTCHAT_METRICS_PORT=off the banner says metrics are off", async () => {
  const { child, stdout } = await startCli(
    ["serve"],
    {
      CERTCHAT_DATA_DIR: tempDataDir(),
      CERTCHAT_PORT: "0",
      CERTCHAT_METRICS_PORT: "off",
      CERTCHAT_LOG_LEVEL: "silent",
    },
    "realtime:",
  );
  assert.match(stdout(), /metrics: off/);
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  assert.equal(code, 0);
});

test("serve refuses the console SMS provider when CERTCHAT_TRUST names real CAs, naming the setting", async () => {
  const result = await runCli(["serve"], {
    CERTCHAT_DATA_DIR: tempDataDir(),
    CERTCHAT_PORT: "0",
    CERTCHAT_TRUST: "/etc/ssl/certs",
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /CERTCHAT_SMS_PROVIDER/);
  assert.match(result.stderr, /CERTCHAT_SMS_CONSOLE_ALLOWED/);
});

test("serve on the test CA prints each SMS code on its terminal, where the README's demos read it", async () => {
  const dataDir = tempDataDir();
  const { child, stdout } = await startCli(
    ["serve"],
    { CERTCHAT_DATA_DIR: dataDir, CERTCHAT_PORT: "0" },
    "realtime:",
  );
  try {
    const url = /certchat listening on (\S+)/.exec(stdout())?.[1] ?? "";
    // The gateway is never started: this server's SMS provider is the console.
    const api = { dataDir, post: poster(url), sms: new TestSmsGateway() };
    const token = await logIn(api, await issueUser(api));
    const registry = await api.post("/api/registryPhone/", { token, phone: "+7 (999) 123-45-67" });
    assert.equal(registry.body.success, true);
    const code = await new Promise<string>((resolve) => {
      const find = () => {
        const found = /^SMS code for \+79991234567: (\d{6})$/m.exec(stdout())?.[1];
        if (found) resolve(found);
        return found;
      };
      if (!find()) child.stdout?.on("data", find);
    });
    const { id } = registry.body.data as { id: number };
    const confirmed = await api.post("/api/confirmPhone/", { token, id, code });
    assert.deepEqual(confirmed.body, {
      success: true,
      data: { needRegisterPhone: false, phone: "79991234567" },
    });
  } finally {
    child.kill("SIGTERM");
    await once(child, "exit");
  }
});
