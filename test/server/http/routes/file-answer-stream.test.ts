import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import { startTestServer, type TestServer } from "../../../support/server.ts";

/**
 * `/api/file/` answers as it reads, with the length its envelope will have (from the size the message recorded): the envelope's base64 goes out while the blob is still being read, so an
 * answer holds a few chunks of memory, not the whole file (and its base64, and its serialized envelope) for as
 * long as the client takes to read it. The blob is swapped for a FIFO the test writes: the store's read cannot
 * end before the test closes it, so the first part arriving first is the proof (a whole-file read never answers).
 */
describe("/api/file/ streams its answer", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server);
    const group = await call<Contact>(server, "/api/createChat/", {
      token: alice.token,
      type: 1,
      name: "Файлы",
      keys: keysFor(newChatKey(), [alice]),
    });
    chat = group.chatId as string;
  });
  after(() => server.close());

  test("the base64 of a blob's first part goes out before the blob's end is read", {
    timeout: 30_000,
  }, async () => {
    // 3000 bytes: a whole number of base64 groups, all of which can go out before the rest is known.
    const first = randomBytes(3000);
    const rest = randomBytes(1001);
    // A placeholder of the file's size: the answer announces the size the message recorded.
    const message = await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      data: Buffer.alloc(first.length + rest.length).toString("base64"),
    });
    const id = message.file as string;
    const path = join(server.dataDir, "files", id.slice(0, 2), id.slice(2, 4), id);
    await rm(path);
    execFileSync("mkfifo", [path]);

    const answer = await fetch(`${server.url}/api/file/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: alice.token, chat, file: id }),
    });
    const writer = createWriteStream(path);
    writer.write(first);
    assert.ok(answer.body);
    const reader = answer.body.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes(first.toString("base64"))) {
      const chunk = await reader.read();
      assert.equal(chunk.done, false, "the answer ended before the blob did");
      text += decoder.decode(chunk.value, { stream: true });
    }
    writer.end(rest);
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += decoder.decode(chunk.value, { stream: true });
    assert.deepEqual(JSON.parse(text), {
      success: true,
      data: Buffer.concat([first, rest]).toString("base64"),
    });
    assert.match(answer.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(answer.headers.get("content-length"), String(Buffer.byteLength(text)));
  });

  test("a HEAD of the raw download announces the size and reads none of the file", {
    timeout: 30_000,
  }, async () => {
    const size = 4 * 1024 ** 2;
    const message = await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      data: Buffer.alloc(size).toString("base64"),
    });
    const id = message.file as string;
    const path = join(server.dataDir, "files", id.slice(0, 2), id.slice(2, 4), id);
    await rm(path);
    execFileSync("mkfifo", [path]);

    const answer = await fetch(`${server.url}/api/file/${chat}/${id}`, {
      method: "HEAD",
      headers: { authorization: `Bearer ${alice.token}` },
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("content-length"), String(size));
    // Fastify's HEAD route drains a streamed answer: the node read the whole file for no one (from S3 too).
    // Here the store's reader must close instead, and the writer's pipe break, long before the file is written.
    const writer = createWriteStream(path);
    const broken = new Promise<string>((resolve) => {
      writer.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      writer.on("finish", () => resolve("read whole"));
    });
    writer.end(randomBytes(size));
    assert.equal(await broken, "EPIPE");
  });
});
