// Red-team probe (session 8, review2), now the guard of the fix: the read-down wait (send-backlog.ts) saw what a
// polling client had not read only while it was in Engine.IO's write buffer. A GET drains that buffer into an HTTP
// response, which the client need not read: a client that asked for a page, then opened a new connection for each
// GET and never read its answer, got the next event started at once, and the server held every page in sockets
// nobody read (317 MB for 20 pages). Now the responses not yet finished count as unread (polling-responses.ts).
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import { io as connectCurrent } from "socket.io-client";
import type { ChatUser } from "../../support/chats.ts";
import type { TestServer } from "../../support/server.ts";
import { eventually, request } from "../../support/sockets.ts";
import { heldMegabytes, serverWithFullPage } from "../../support/unread-answers.ts";

const REQUESTS = 20;
/**
 * 20 pages of 8 MiB (50 gzipped). A live session may hold its bound (64 MiB, plus the answer that passes it),
 * about twice over in memory (a page's string and the socket's copy); a closed one holds nothing. Measured before
 * the fix: 317 MB, and 271 MB gzipped over 17 sessions.
 */
const GROWTH_LIMIT_MB = 200;

let server: TestServer;
let alice: ChatUser;
let chat: string;

before(async () => {
  ({ server, alice, chat } = await serverWithFullPage());
});
after(async () => server.close());

/** An Engine.IO polling session signed in as `user`: `post` tells whether the server took the packet. */
async function pollingSession(user: ChatUser) {
  const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
  const open = await (await fetch(base)).text();
  const sid = (JSON.parse(open.slice(open.indexOf("{"))) as { sid: string }).sid;
  const url = new URL(`${base}&sid=${sid}`);
  const post = async (body: string) => {
    const reply = await fetch(url, { method: "POST", body, headers: { "content-type": "text/plain" } });
    return (await reply.text()) === "ok";
  };
  assert.ok(await post(`40${JSON.stringify({ token: user.token })}`));
  await (await fetch(url)).text(); // the CONNECT answer
  return { url, post };
}

describe("a polling client that never reads its GET answers", () => {
  // Gzip: Socket.IO compresses packets by default, so a client that accepts it gets responses without a
  // Content-Length (and Engine.IO takes no GET until the last one finished: a second one closes the session).
  // Gzipped pages are smaller (~5 MiB): more of them to pass the limit the same way.
  for (const [encoding, pages] of [
    ["identity", REQUESTS],
    ["gzip", 2.5 * REQUESTS],
  ] as const) {
    test(`does not make the server hold every page it asked for, over one session or many (Accept-Encoding: ${encoding})`, async () => {
      const unread: Socket[] = [];
      const baseline = heldMegabytes();
      let session = await pollingSession(alice);
      let sessions = 1;
      try {
        for (let index = 0; index < pages; index += 1) {
          const ask = `42${index}${JSON.stringify(["messages", { chat }])}`;
          // The session was closed (a GET sent while the last one waited): the client opens another.
          if (!(await session.post(ask))) {
            session = await pollingSession(alice);
            sessions += 1;
            assert.ok(await session.post(ask));
          }
          // A GET on its own connection, never read: it takes whatever the write buffer holds when it comes.
          await new Promise((resolve) => setTimeout(resolve, 300));
          const { host, port, pathname, search } = session.url;
          const tcp = connect(Number(port), host.split(":")[0] ?? "127.0.0.1");
          tcp.pause();
          tcp.write(
            `GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nAccept-Encoding: ${encoding}\r\n\r\n`,
          );
          unread.push(tcp);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const growth = heldMegabytes() - baseline;
        console.log(
          `# held after ${pages} pages asked over ${sessions} sessions, GETs never read: ${Math.round(growth)} MB`,
        );
        assert.ok(growth < GROWTH_LIMIT_MB, `the server holds ${Math.round(growth)} MB of unread pages`);
      } finally {
        for (const tcp of unread) tcp.destroy();
        // Cleanup, not a check: the server lets go of the closed connections before the next test's baseline.
        await eventually(
          () => heldMegabytes() - baseline < 40,
          "the closed connections dropped",
          15_000,
        ).catch(() => {});
      }
    });
  }
});

describe("a polling client that reads its answers", () => {
  test("is answered page after page on the same connection, never made to wait for its bound", async () => {
    const socket = connectCurrent(server.url, {
      forceNew: true,
      reconnection: false,
      transports: ["polling"],
      auth: { token: alice.token },
    });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", reject);
      });
      const connection = socket.io.engine.id;
      let disconnected = false;
      socket.on("disconnect", () => {
        disconnected = true;
      });
      // Three times the bound in all: a page still counted once read would hold the ninth request back (no ack
      // within the helper's 5 s) long before the last.
      for (let index = 0; index < REQUESTS; index += 1) {
        const answer = await request(socket, "messages", { chat });
        assert.equal(answer.success, true);
      }
      assert.equal(disconnected, false);
      assert.equal(socket.io.engine.id, connection);
      assert.equal(socket.io.engine.transport.name, "polling");
    } finally {
      socket.close();
    }
  });
});
