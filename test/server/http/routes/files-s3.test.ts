import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import {
  type ChatUser,
  call,
  chatServerEnv,
  chatUser,
  decrypt,
  encrypt,
  keysFor,
  newChatKey,
} from "../../../support/chats.ts";
import { startTestS3, type TestS3 } from "../../../support/s3.ts";
import { startTestServer, type TestServer } from "../../../support/server.ts";

async function messageCount(server: TestServer): Promise<number> {
  const row = await server.server.storage.db
    .selectFrom("messages")
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("files on S3 through the HTTP API", () => {
  let s3: TestS3;
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;
  const chatKey = newChatKey();

  before(async () => {
    s3 = await startTestS3();
    server = await startTestServer({ env: { ...chatServerEnv, ...s3.env } });
    alice = await chatUser(server);
    const group = await call<Contact>(server, "/api/createChat/", {
      token: alice.token,
      type: 1,
      name: "Документы",
      keys: keysFor(chatKey, [alice]),
    });
    chat = group.chatId as string;
  });
  after(async () => {
    await server.close();
    await s3.stop();
  });

  test("the banner names the bucket, not the keys", () => {
    assert.equal(server.server.settings.files, `s3 ${s3.settings.endpoint}/${s3.settings.bucket}`);
  });

  test("a file sent with a message downloads again, as base64 and as raw bytes", async () => {
    const document = randomBytes(300_000);
    const message = await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      type: "pdf",
      data: encrypt(chatKey, document),
    });
    const data = await call<string>(server, "/api/file/", { token: alice.token, chat, file: message.file });
    assert.deepEqual(decrypt(chatKey, data), document);

    const raw = await fetch(`${server.url}/api/file/${chat}/${message.file}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    assert.equal(raw.status, 200);
    const rawBytes = Buffer.from(await raw.arrayBuffer());
    assert.equal(raw.headers.get("content-length"), String(rawBytes.length));
    assert.deepEqual(decrypt(chatKey, rawBytes.toString("base64")), document);
    assert.equal(existsSync(join(server.dataDir, "files")), false, "nothing went to the data directory");
  });

  test("with S3 down a file message is refused with an error envelope and leaves no row", async () => {
    const earlier = await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      data: encrypt(chatKey, "stored before the outage"),
    });
    await s3.stop();
    const before = await messageCount(server);
    const reply = await server.post("/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      data: encrypt(chatKey, "lost in the outage"),
    });
    assert.deepEqual(reply, { status: 200, body: { success: false, error: "CommonError" } });
    assert.equal(await messageCount(server), before);

    // A download fails with a server error status, so `curl --fail -o` saves no envelope as the file.
    const raw = await fetch(`${server.url}/api/file/${chat}/${earlier.file}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    assert.equal(raw.status, 500);
    assert.deepEqual(await raw.json(), { success: false, error: "CommonError" });

    // Messages without a file still go through.
    await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      text: encrypt(chatKey, "text needs no blob store"),
    });
  });
});
