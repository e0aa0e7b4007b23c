// Red-team probe (session 8, review2), now the guard of the fix (closeNonReaders, send-backlog.ts): the read-down
// wait bounds what a socket's own requests pile up, not what live broadcasts do. A subscribed socket whose client
// never read kept every message sent to the chat in the server's memory (Engine.IO's write buffer, then ws/net
// buffers), with no limit and no disconnect: one idle subscriber of a busy chat — or many sockets of one
// attacker — grew the server for ever (272 MB for 60 messages of 1 MiB). Now its connection is closed once it
// leaves more than twice CERTCHAT_SOCKET_QUEUE_BYTES unread; the client reconnects and catches up from history.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { scrape } from "../../support/metrics.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { chatBetween } from "../../support/sockets.ts";
import { heldMegabytes, rawSocket, sendMebibyteMessages } from "../../support/unread-answers.ts";

const MIB = 1024 * 1024;
const MESSAGES = 60;
/** 60 MiB of messages are sent (~84 MB of JSON). Measured: 272 MB held when the client does not read, 61 MB when it
 * reads (in-process client and allocator noise): the bound sits between. */
const GROWTH_LIMIT_MB = 120;

describe("a subscribed socket whose client never reads", () => {
  let server: TestServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let chat: string;

  before(async () => {
    server = await startTestServer({
      env: {
        ...chatServerEnv,
        CERTCHAT_MAX_BODY_BYTES: String(2 * MIB),
        CERTCHAT_SOCKET_QUEUE_BYTES: String(2 * MIB),
      },
    });
    alice = await chatUser(server, "Алисова Алиса Петровна");
    bob = await chatUser(server, "Бобров Борис Иванович");
    chat = await chatBetween(server, alice, bob);
  });
  after(async () => server.close());

  test("is closed once it leaves more than twice its bound unread, and the server lets go of what it held", async () => {
    let subscribed!: () => void;
    const subscribedNow = new Promise<void>((resolve) => {
      subscribed = resolve;
    });
    const socket = await rawSocket(server, alice, (text) => {
      if (text.startsWith("431")) subscribed();
    });
    const { client } = socket;
    client.send(`421${JSON.stringify(["subscribe", chat])}`);
    await subscribedNow;
    const connections = async () =>
      (await scrape(server.server.metricsUrl())).value("certchat_socket_connections", { eio: "4" });
    socket.pauseReading();
    try {
      const baseline = heldMegabytes();
      let sent = 0;
      // Messages go on (200 ms apart: the server looks every second) until the server closed the connection.
      while (sent < MESSAGES && (await connections()) !== 0) {
        await sendMebibyteMessages(server, bob, chat, 1);
        sent += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(await connections(), 0, `still connected after ${sent} messages of 1 MiB`);
      const growth = heldMegabytes() - baseline;
      assert.ok(growth < GROWTH_LIMIT_MB, `the server holds ${Math.round(growth)} MB after closing it`);
    } finally {
      client.terminate();
    }
  });
});
