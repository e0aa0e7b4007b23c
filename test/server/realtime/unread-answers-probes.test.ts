// Review probes (red team, session 8): a socket that never reads its answers. A `messages` event is ~60 bytes and
// its answer a page of up to CERTCHAT_MAX_PAGE_BYTES (8 MiB); the server keeps every answer the client has not
// read (Engine.IO's write buffer, then the ws/net buffers) without limit. The inbound queue is bounded
// (1,000 events, CERTCHAT_SOCKET_QUEUE_BYTES), the outbound backlog is not: thirty tiny requests pin over half a
// gigabyte, a thousand (one socket's queue) the node's whole memory.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { type ChatUser, call, chatServerEnv, chatUser } from "../../support/chats.ts";
import { scrape } from "../../support/metrics.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { chatBetween } from "../../support/sockets.ts";

const todo =
  "open: no bound on a socket's unread answers. Fix: cap each connection's outbound backlog (Engine.IO " +
  "writeBuffer + ws bufferedAmount) and close a socket over it before handling its next event, plus a node-wide " +
  "budget or a per-session socket limit (many sockets × a cap); needs gateway.ts, which another helper holds";

const REQUESTS = 30;
/** Far below what REQUESTS answers of 8 MiB hold (over 500 MB measured on main), far above a bounded backlog. */
const GROWTH_LIMIT_MB = 200;

function heldMegabytes(): number {
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external) / 1e6;
}

describe("a socket that never reads its answers", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server, "Алисова Алиса Петровна");
    chat = await chatBetween(server, alice, await chatUser(server, "Бобров Борис Иванович"));
    // Eight messages of a 1 MiB cms each: the latest page is the 8 MiB maximum.
    const cms = randomBytes(1024 * 1024 - 1024).toString("base64");
    for (let index = 0; index < 8; index += 1)
      await call(server, "/api/sendMessage/", {
        token: alice.token,
        chat,
        cid: alice.cid,
        text: "AAAA",
        cms,
      });
  });
  after(async () => server.close());

  test("does not make the server hold every page it asked for", { todo }, async () => {
    const baseline = heldMegabytes();
    const client = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    await new Promise<void>((resolve, reject) => {
      client.on("error", reject);
      client.on("message", (data) => {
        const text = data.toString();
        if (text.startsWith("0")) client.send(`40${JSON.stringify({ token: alice.token })}`);
        else if (text.startsWith("40")) resolve();
      });
    });
    // The client stops reading: the kernel's buffers fill, and the rest stays with the server.
    (client as unknown as { _socket: { pause(): void } })._socket.pause();
    for (let index = 0; index < REQUESTS; index += 1)
      client.send(`42${index}${JSON.stringify(["messages", { chat }])}`);
    try {
      // Done when the server dropped the connection; failed as soon as it holds more than the limit.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const connections = (await scrape(server.server.metricsUrl())).value("certchat_socket_connections", {
          eio: "4",
        });
        if (connections === 0) return;
        const growth = heldMegabytes() - baseline;
        assert.ok(growth < GROWTH_LIMIT_MB, `the server holds ${Math.round(growth)} MB of unread answers`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      client.terminate();
    }
  });
});
