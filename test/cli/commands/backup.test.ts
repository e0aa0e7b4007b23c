import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../support/chats.ts";
import { runCli, startCli, tempDataDir } from "../../support/cli.ts";
import { exited, freePort, kill } from "../../support/processes.ts";
import { type ApiServer, poster } from "../../support/server.ts";
import { TestSmsGateway } from "../../support/sms-gateway.ts";

const SENDERS = 4;
/** Sends acknowledged before the backup starts. */
const BEFORE_BACKUP = 60;

interface Sent {
  id: number;
  file: string;
  sha256: string;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A `certchat serve` on SQLite in `dataDir`, as an operator runs it. */
async function serve(dataDir: string, smsUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const { child } = await startCli(
    ["serve"],
    {
      ...chatServerEnv,
      CERTCHAT_PORT: String(port),
      CERTCHAT_DATA_DIR: dataDir,
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: smsUrl,
      CERTCHAT_VERIFY_WORKERS: "1",
    },
    "realtime:",
  );
  return { child, url: `http://127.0.0.1:${port}` };
}

/** Every message of a chat, paging forward from the start. */
async function wholeHistory(api: ApiServer, token: string, chat: string): Promise<Message[]> {
  const all: Message[] = [];
  for (;;) {
    const page = await call<Message[]>(api, "/api/messages/", {
      token,
      chat,
      id: all.at(-1)?.id ?? 0,
      rel: "next",
    });
    if (page.length === 0) return all;
    all.push(...page);
  }
}

describe("backup and restore of a server under write load", () => {
  const sms = new TestSmsGateway();
  const dataDir = tempDataDir();
  const backupDir = join(tempDataDir(), "backup");
  const restoredDir = join(tempDataDir(), "restored");
  let original: ChildProcess | undefined;
  let restored: ChildProcess | undefined;
  let api: ApiServer;
  let alice: ChatUser;
  let chat: string;
  const acked: Sent[] = [];
  let ackedBeforeBackup: Sent[] = [];
  let ackedDuringBackup = 0;
  let smsUrl = "";
  let backup: { code: number | null; stdout: string; stderr: string };

  before(async () => {
    smsUrl = await sms.start();
    const server = await serve(dataDir, smsUrl);
    original = server.child;
    api = { dataDir, sms, post: poster(server.url) };
    alice = await chatUser(api, "Иванова Анна Сергеевна");
    const bob = await chatUser(api, "Петров Пётр Петрович");
    const created = await call<Contact>(api, "/api/createChat/", {
      token: alice.token,
      type: 0,
      keys: keysFor(newChatKey(), [alice, bob]),
    });
    chat = created.chatId as string;

    let backupRunning = false;
    let stop = false;
    let reachedBefore: () => void = () => {};
    const enoughBefore = new Promise<void>((resolve) => {
      reachedBefore = resolve;
    });
    const sender = async () => {
      while (!stop) {
        const content = randomBytes(1024 + Math.floor(Math.random() * 16_384));
        const message = await call<Message>(api, "/api/sendMessage/", {
          token: alice.token,
          chat,
          cid: alice.cid,
          text: Buffer.from("file").toString("base64"),
          type: "bin",
          data: content.toString("base64"),
        });
        acked.push({ id: message.id, file: message.file as string, sha256: sha256(content) });
        if (backupRunning) ackedDuringBackup += 1;
        if (acked.length >= BEFORE_BACKUP) reachedBefore();
      }
    };
    const senders = Array.from({ length: SENDERS }, () => sender());
    await enoughBefore;
    ackedBeforeBackup = [...acked];
    backupRunning = true;
    backup = await runCli(["backup", "--out", backupDir], { CERTCHAT_DATA_DIR: dataDir }, 120_000);
    backupRunning = false;
    stop = true;
    await Promise.all(senders);
    original.kill("SIGTERM");
    await exited(original);
  });

  after(async () => {
    await kill(original);
    await kill(restored);
    await sms.stop();
    for (const dir of [dataDir, join(backupDir, ".."), join(restoredDir, "..")])
      rmSync(dir, { recursive: true, force: true });
  });

  test("the backup ran while messages were being acknowledged", (t) => {
    t.diagnostic(
      `${ackedBeforeBackup.length} sends acknowledged before the backup, ${ackedDuringBackup} during it`,
    );
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /backup in .*manifest\.json/);
    assert.ok(ackedDuringBackup > 0, "no send completed while the backup ran");
  });

  test("a server on the restored data directory serves every message acknowledged before the backup, files intact", async () => {
    const restore = await runCli(["restore", backupDir], { CERTCHAT_DATA_DIR: restoredDir });
    assert.equal(restore.code, 0, restore.stderr);
    const server = await serve(restoredDir, smsUrl);
    restored = server.child;
    const restoredApi: ApiServer = { dataDir: restoredDir, sms, post: poster(server.url) };
    const history = new Map((await wholeHistory(restoredApi, alice.token, chat)).map((m) => [m.id, m]));
    const lost = ackedBeforeBackup.filter((sent) => history.get(sent.id)?.file !== sent.file);
    assert.deepEqual(lost, []);
    for (const sent of ackedBeforeBackup) {
      const content = await call<string>(restoredApi, "/api/file/", {
        token: alice.token,
        chat,
        file: sent.file,
      });
      assert.equal(sha256(Buffer.from(content, "base64")), sent.sha256, `file of message ${sent.id}`);
    }
  });
});
