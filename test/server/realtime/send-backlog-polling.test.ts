// Red-team probe (session 8, review2): the read-down wait (send-backlog.ts) sees what a polling client has not
// read only while it is in Engine.IO's write buffer. A GET drains that buffer into an HTTP response, which the
// client need not read: a client that asks for a page, then opens a new connection for each GET and never reads
// its answer, gets the next event started at once, and the server holds every page in sockets nobody reads.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, test } from "node:test";
import type { ChatUser } from "../../support/chats.ts";
import type { TestServer } from "../../support/server.ts";
import { heldMegabytes, serverWithFullPage } from "../../support/unread-answers.ts";

const REQUESTS = 20;
/** 20 pages of 8 MiB; the socket's bound is 64 MiB. Measured on main: well over this. */
const GROWTH_LIMIT_MB = 120;

describe("a polling client that never reads its GET answers", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;

  before(async () => {
    ({ server, alice, chat } = await serverWithFullPage());
  });
  after(async () => server.close());

  test("does not make the server hold every page it asked for", {
    todo: "send-backlog.ts counts a polling client's unread answers only in Engine.IO's write buffer",
  }, async () => {
    const base = `${server.url}/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const sid = (JSON.parse(open.slice(open.indexOf("{"))) as { sid: string }).sid;
    const url = `${base}&sid=${sid}`;
    const post = async (body: string) => {
      const reply = await fetch(url, { method: "POST", body, headers: { "content-type": "text/plain" } });
      assert.equal(await reply.text(), "ok");
    };
    await post(`40${JSON.stringify({ token: alice.token })}`);
    await (await fetch(url)).text(); // the CONNECT answer
    const { host, port, pathname, search } = new URL(url);
    const unread: Socket[] = [];
    const baseline = heldMegabytes();
    try {
      for (let index = 0; index < REQUESTS; index += 1) {
        await post(`42${index}${JSON.stringify(["messages", { chat }])}`);
        // A GET on its own connection, never read: it takes whatever the write buffer holds when it comes.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const tcp = connect(Number(port), host.split(":")[0] ?? "127.0.0.1");
        tcp.pause();
        tcp.write(`GET ${pathname}${search} HTTP/1.1\r\nHost: ${host}\r\nAccept-Encoding: identity\r\n\r\n`);
        unread.push(tcp);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const growth = heldMegabytes() - baseline;
      console.log(`# held after ${REQUESTS} unread polling GETs of 8 MiB pages: ${Math.round(growth)} MB`);
      assert.ok(growth < GROWTH_LIMIT_MB, `the server holds ${Math.round(growth)} MB of unread pages`);
    } finally {
      for (const tcp of unread) tcp.destroy();
    }
  });
});
