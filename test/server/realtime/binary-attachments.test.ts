// Red-team probe (session 8), now the guard of the fix (BoundedAttachmentsDecoder in gateway.ts): Socket.IO binary attachments. No event of the API carries binary data,
// yet the server's parser (socket.io-parser, maxAttachments 10) accepts a packet that announces attachments and
// keeps every attachment frame (each up to CERTCHAT_MAX_BODY_BYTES once signed in) until the last one arrives —
// which the client never has to send. The bytes are held outside the socket's event queue, so
// CERTCHAT_SOCKET_QUEUE_BYTES (64 MiB) does not bound them: nine frames pin ~300 MB per socket, for ever.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";

describe("a signed-in socket announcing binary attachments", () => {
  let server: TestServer;
  let alice: ChatUser;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server, "Алисова Алиса Петровна");
  });
  after(async () => server.close());

  test("is closed before it makes the server hold more than its queue's bytes", async () => {
    const client = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
    await new Promise<void>((resolve, reject) => {
      client.on("error", reject);
      client.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith("0")) client.send(`40${JSON.stringify({ token: alice.token })}`);
        else if (text.startsWith("40")) resolve();
      });
    });
    try {
      // A binary event announcing ten attachments, then three of 30 MB: 90 MB, over the 64 MiB queue bound.
      client.send(`4510-${JSON.stringify(["messages", { chat: { _placeholder: true, num: 0 } }])}`);
      const frame = Buffer.alloc(30 * 1024 * 1024, 7);
      for (let index = 0; index < 3 && client.readyState === WebSocket.OPEN; index += 1) client.send(frame);
      const outcome = await Promise.race([
        closed.then(() => "closed"),
        new Promise((resolve) => setTimeout(resolve, 10_000, "still open")),
      ]);
      assert.equal(outcome, "closed");
    } finally {
      client.terminate();
    }
  });
});
