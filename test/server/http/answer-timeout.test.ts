import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { connect, type Socket } from "node:net";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { createLogger } from "../../../src/server/logging.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";

const STALLED = "streamed answer unread";

/**
 * A download whose client stops reading: larger than the loopback's socket buffers, so the server's writes
 * stall. Node has no write timeout: before, each such download held its socket and the file's descriptor for
 * good, and one account could open them until the node ran out of descriptors.
 */
describe("a streamed answer its client stops reading", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;
  let file: string;
  const stalls: (() => void)[] = [];

  before(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        if (chunk.toString("utf8").includes(STALLED)) stalls.shift()?.();
        done();
      },
    });
    server = await startTestServer({
      env: { ...chatServerEnv, CERTCHAT_HTTP_ANSWER_IDLE_TIMEOUT: "300ms" },
      logger: createLogger("warn", { destination }),
    });
    alice = await chatUser(server);
    const group = await call<Contact>(server, "/api/createChat/", {
      token: alice.token,
      type: 1,
      name: "Большие файлы",
      keys: keysFor(newChatKey(), [alice]),
    });
    chat = group.chatId as string;
    const message = await call<Message>(server, "/api/sendMessage/", {
      token: alice.token,
      chat,
      cid: alice.cid,
      data: randomBytes(16 * 1024 ** 2).toString("base64"),
    });
    file = message.file as string;
  });
  after(() => server.close());

  /** Sends `head`, reads nothing until the server logs the stall, then reads what is left: the bytes received. */
  async function stall(head: string): Promise<number> {
    const logged = new Promise<void>((resolve) => stalls.push(resolve));
    const socket: Socket = connect(Number(new URL(server.url).port), "127.0.0.1");
    socket.on("error", () => undefined);
    socket.pause();
    socket.write(head);
    await logged;
    let received = 0;
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    const closed = new Promise((resolve) => socket.on("close", resolve));
    socket.resume();
    await closed;
    return received;
  }

  test("a raw download loses its connection", { timeout: 60_000 }, async () => {
    const received = await stall(
      `GET /api/file/${chat}/${file} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${alice.token}\r\n\r\n`,
    );
    assert.ok(received < 16 * 1024 ** 2, `only part of the file went out (${received} bytes)`);
  });

  test("an /api/file/ answer loses its connection", { timeout: 60_000 }, async () => {
    const body = JSON.stringify({ token: alice.token, chat, file });
    const received = await stall(
      `POST /api/file/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.ok(received < (16 * 1024 ** 2 * 4) / 3, `only part of the answer went out (${received} bytes)`);
  });
});
