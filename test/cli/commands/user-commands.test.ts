import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { IssueAlgorithm } from "../../../src/server/test-ca.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { runCli, runCliAnswering, startCli } from "../../support/cli.ts";
import { issueUser, startTestServer, type TestServer } from "../../support/server.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-cli-user-");

interface CliUser {
  home: string;
  phone: string;
  name: string;
  run(...args: string[]): ReturnType<typeof runCli>;
}

/** Issues a certificate into files and logs in with `certchat login`, typing the SMS code at the prompt. */
async function cliUser(
  server: TestServer,
  alg: IssueAlgorithm,
  name: string,
  serial: string,
): Promise<CliUser> {
  const dir = join(await tempDir(), serial);
  await mkdir(dir, { recursive: true });
  const issued = await issueUser(server, { alg, name, snils: serial });
  await writeFile(join(dir, "cert.der"), issued.der);
  await writeFile(join(dir, "key.pem"), issued.keyPem);
  const phone = `7979${serial.slice(-7)}`;
  const home = join(dir, "home");
  const login = await runCliAnswering(
    [
      "login",
      "--home",
      home,
      "--server",
      server.url,
      "--cert",
      join(dir, "cert.der"),
      "--key",
      join(dir, "key.pem"),
      "--phone",
      `+${phone}`,
    ],
    {},
    { prompt: "SMS code sent to", answer: () => server.sms.lastCodeFor(phone)?.code ?? "" },
  );
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, new RegExp(`logged in as ${name} \\(\\+${phone}`));
  return { home, phone, name, run: (...args) => runCli([...args, "--home", home]) };
}

describe("certchat user commands: two users chatting through a real server", () => {
  let server: TestServer;
  let ivan: CliUser;
  let petr: CliUser;
  let chatId: string;

  before(async () => {
    server = await startTestServer({ caAlg: "gost2012-256", env: chatServerEnv });
    // Two logins of their own (certificate, phone, --home): side by side, a `certchat` child on each core.
    [ivan, petr] = await Promise.all([
      cliUser(server, "gost2012-256", "Иванов Иван Иванович", "10000000001"),
      cliUser(server, "ecdsa-p256", "Петров Пётр Петрович", "10000000002"),
    ]);
  });
  after(() => server.close());

  it("keeps the session in --home: server, token and the key's path, never the key", async () => {
    const session = JSON.parse(await readFile(join(ivan.home, "session.json"), "utf8"));
    assert.equal(session.server, server.url);
    assert.match(session.keyPath, /key\.pem$/);
    assert.doesNotMatch(JSON.stringify(session), /PRIVATE KEY/);
    assert.equal((await stat(join(ivan.home, "session.json"))).mode & 0o077, 0);
  });

  it("finds a contact by phone and creates the personal chat", async () => {
    const found = await ivan.run("contacts", "--phone", petr.phone);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, new RegExp(`\\+${petr.phone}  ${petr.name}  chat: none`));
    const created = await ivan.run("chat", "create", "--with", petr.phone, "--json");
    assert.equal(created.code, 0, created.stderr);
    chatId = JSON.parse(created.stdout).chatId;
    assert.match(chatId, /^[0-9a-f-]{36}$/);
    const list = await petr.run("contacts");
    assert.match(list.stdout, new RegExp(`${chatId}  personal  ${ivan.name}`));
  });

  it("sends texts both ways; history shows them decrypted, each with ✓", async () => {
    assert.equal((await ivan.run("send", chatId, "Привет, Пётр!")).code, 0);
    const reply = await petr.run("send", chatId, "Здравствуйте!");
    assert.equal(reply.code, 0, reply.stderr);
    assert.match(reply.stdout, /^sent #\d+/);
    for (const reader of [ivan, petr]) {
      const history = await reader.run("history", chatId);
      assert.equal(history.code, 0, history.stderr);
      const lines = history.stdout.trim().split("\n");
      assert.equal(lines.length, 2);
      assert.match(lines[0] ?? "", new RegExp(`${ivan.name} ✓: Привет, Пётр!$`));
      assert.match(lines[1] ?? "", new RegExp(`${petr.name} ✓: Здравствуйте!$`));
    }
    const json = JSON.parse((await petr.run("history", chatId, "--json")).stdout);
    assert.deepEqual(
      json.map((message: { text: string; signature: string }) => [message.text, message.signature]),
      [
        ["Привет, Пётр!", "verified"],
        ["Здравствуйте!", "verified"],
      ],
    );
    const after = await petr.run("history", chatId, "--after", String(json[0].id));
    assert.equal(after.stdout.trim().split("\n").length, 1);
  });

  it("a tampered message is shown ✗ INVALID", async () => {
    const sent = JSON.parse((await ivan.run("send", chatId, "будет подделано", "--json")).stdout);
    const forged = Buffer.from(sent.sign, "base64");
    forged[10] = (forged[10] ?? 0) ^ 0xff;
    await server.server.storage.db
      .updateTable("messages")
      .set({ sign: forged.toString("base64") })
      .where("id", "=", sent.id)
      .execute();
    const history = await petr.run("history", chatId, "--after", String(sent.id - 1));
    assert.match(history.stdout, /✗ INVALID \(the signature does not verify\): будет подделано/);
    assert.doesNotMatch(history.stdout, /✓: будет подделано/);
  });

  it("send --file and download round trip, with progress lines and a verified CMS", async () => {
    const dir = await tempDir();
    const content = randomBytes(2 * 1024 * 1024 + 3);
    await writeFile(join(dir, "report.pdf"), content);
    const sent = await ivan.run("send", chatId, "--file", join(dir, "report.pdf"), "--json");
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stderr, /encrypting: 100%/);
    assert.match(sent.stderr, /uploading: 100% \(2\.0 MB of 2\.0 MB\)/);
    const { file } = JSON.parse(sent.stdout);
    const files = await petr.run("history", chatId, "--files");
    assert.match(files.stdout, new RegExp(`✓: 📎 report\\.pdf \\[pdf, file ${file}\\]`));
    const out = join(dir, "downloaded.pdf");
    const download = await petr.run("download", chatId, file, "--out", out);
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stderr, /downloading: 100%/);
    assert.match(download.stderr, /decrypting: 100%/);
    assert.match(download.stdout, /^✓ report\.pdf: 2097155 bytes/);
    assert.deepEqual(await readFile(out), content);
  });

  it("listen prints new messages as they arrive, decrypted, with ✓", async () => {
    const listening = await startCli(["listen", chatId, "--home", petr.home], {}, "listening on 1 chat(s)");
    try {
      assert.equal((await ivan.run("send", chatId, "в прямом эфире")).code, 0);
      for (let waited = 0; !listening.stdout().includes("в прямом эфире"); waited += 50) {
        if (waited > 20_000) throw new Error(`listen printed: ${listening.stdout()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(listening.stdout(), new RegExp(`${ivan.name} ✓: в прямом эфире\n`));
    } finally {
      const exited = new Promise((resolve) => listening.child.once("exit", resolve));
      listening.child.kill("SIGTERM");
      assert.equal(await exited, 0);
    }
  });

  it("errors are one line: the API code and a sentence", async () => {
    const result = await ivan.run("history", "00000000-0000-4000-8000-000000000000");
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "certchat: GetChatsError: no such chat, or you are not a member (or may not post in this channel)\n",
    );
    const loggedOut = await runCli(["contacts", "--home", join(await tempDir(), "nobody")]);
    assert.match(loggedOut.stderr, /^certchat: not logged in .*run `certchat login` first\n$/);
  });

  it("login with a renewed certificate confirms the profile's phone by one SMS code and sees its chats", async () => {
    const dir = join(await tempDir(), "renewed");
    await mkdir(dir, { recursive: true });
    const renewed = await issueUser(server, { alg: "ecdsa-p256", name: ivan.name, snils: "10000000001" });
    await writeFile(join(dir, "cert.der"), renewed.der);
    await writeFile(join(dir, "key.pem"), renewed.keyPem);
    server.clock.advance(61_000);
    const sent = server.sms.messages.length;
    const home = join(dir, "home");
    const login = await runCliAnswering(
      [
        ...["login", "--home", home, "--server", server.url],
        ...["--cert", join(dir, "cert.der"), "--key", join(dir, "key.pem"), "--phone", `+${ivan.phone}`],
      ],
      {},
      { prompt: "SMS code sent to", answer: () => server.sms.lastCodeFor(ivan.phone)?.code ?? "" },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, new RegExp(`logged in as ${ivan.name} \\(\\+${ivan.phone}`));
    assert.equal(server.sms.messages.length, sent + 1);
    const list = await runCli(["contacts", "--home", home]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`${chatId}  personal  ${petr.name}`));
  });
});
