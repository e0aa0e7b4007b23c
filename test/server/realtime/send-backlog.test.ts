// Red-team probe (session 8), now the guard of the fix: a socket that never reads its answers. A `messages` event
// is ~60 bytes and its answer a page of up to CERTCHAT_MAX_PAGE_BYTES (8 MiB by default); the server kept every
// answer the client had not read (Engine.IO's write buffer, then the ws/net buffers) without limit — thirty tiny
// requests pinned over half a gigabyte. Now a socket's next event waits until its client has read down to
// CERTCHAT_SOCKET_QUEUE_BYTES (src/server/realtime/send-backlog.ts): backpressure, nothing refused or lost.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ChatUser } from "../../support/chats.ts";
import type { TestServer } from "../../support/server.ts";
import { heldMegabytes, rawSocket, serverWithFullPage } from "../../support/unread-answers.ts";

const REQUESTS = 30;
/**
 * Pages of 2 MiB under a 4 MiB bound, not 8 MiB under the default 64 MiB: the same thirty requests for a quarter
 * of the bytes to produce and deliver (this file took ~34 s of CI). Measured with the wait and closeNonReaders
 * taken out: 112 MB held (with 8 MiB pages, over 500 MB); with them, 4 MB.
 */
const SIZES = { pageBytes: 2 * 1024 * 1024, queueBytes: 4 * 1024 * 1024 };
/** Far below what REQUESTS answers hold unbounded, above a bounded backlog. */
const GROWTH_LIMIT_MB = 40;

describe("a socket that never reads its answers", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;

  before(async () => {
    ({ server, alice, chat } = await serverWithFullPage(SIZES));
  });
  after(async () => server.close());

  /** Requests whose answers are the full page: `messages`, and `resume` from before the chat's first message. */
  const requests: [string, () => unknown][] = [
    ["messages", () => ["messages", { chat }]],
    ["resume", () => ["resume", { chats: [{ chat, id: 0 }] }]],
  ];
  for (const [event, packet] of requests)
    test(`makes the server wait for it to read before answering more ${event}, then answers every request`, async () => {
      const baseline = heldMegabytes();
      const answers: boolean[] = [];
      const socket = await rawSocket(server, alice, (text) => {
        if (text.startsWith("43")) answers.push(text.includes('"success":true'));
      });
      const { client } = socket;
      socket.pauseReading();
      for (let index = 0; index < REQUESTS; index += 1) client.send(`42${index}${JSON.stringify(packet())}`);
      try {
        // Bounded look while the client does not read: the server never holds much more than the bound.
        let peak = 0;
        for (let look = 0; look < 20; look += 1) {
          peak = Math.max(peak, heldMegabytes() - baseline);
          assert.ok(peak < GROWTH_LIMIT_MB, `the server holds ${Math.round(peak)} MB of unread answers`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        socket.resumeReading();
        const deadline = Date.now() + 60_000;
        while (answers.length < REQUESTS && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100));
        assert.deepEqual(answers, Array(REQUESTS).fill(true));
      } finally {
        client.terminate();
      }
    });
});
