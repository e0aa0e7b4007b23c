// Outside review (attack12), now the guard of the fix: the queue bounds (docs/DECISIONS.md §13) were per socket,
// and nothing bounds how many sockets one session opens, so one account held as many times
// CERTCHAT_SOCKET_QUEUE_BYTES as it opened sockets (100 sockets × 64 MiB is 6.4 GB on one node). The bound is
// now shared by every socket of a profile on the node (shared-byte-bounds.ts).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { backends, type Envelope } from "../../support/server.ts";
import {
  emitForAck,
  type SocketChat,
  serverHasRead,
  startSocketChat,
  textMessage,
} from "../../support/sockets.ts";
import { holdMessageCommits } from "../../support/storage.ts";

const backend = backends[0];

describe("one session's sockets", { skip: backend?.skip }, () => {
  // Four 53 KB sends fit in 256 KiB, a fifth does not (as in pipelined-sends.test.ts).
  const env = { CERTCHAT_MAX_BODY_BYTES: "64KiB", CERTCHAT_SOCKET_QUEUE_BYTES: "256KiB" };
  let fixture: SocketChat;
  before(async () => {
    fixture = await startSocketChat({ backend, env });
  });
  after(() => fixture.close());

  const big = (label: string) => textMessage(fixture.alice, fixture.chat, `${label} ${"x".repeat(40_000)}`);

  test("the queued bytes of one session's sockets together stay within CERTCHAT_SOCKET_QUEUE_BYTES", async () => {
    const { server, alice } = fixture;
    const sockets: Socket[] = [];
    for (let i = 0; i < 3; i++) sockets.push(await fixture.open(alice.token));
    const payloads = sockets.map((_, s) => [0, 1, 2, 3].map((n) => big(`s${s}m${n}`)));
    const release = await holdMessageCommits(server.storageTarget);
    const answers: Promise<Envelope>[] = [];
    try {
      sockets.forEach((socket, s) => {
        for (const payload of payloads[s] ?? []) answers.push(emitForAck(socket, "sendMessage", payload));
      });
      for (const socket of sockets) await serverHasRead(socket);
    } finally {
      await release();
    }
    const accepted = (await Promise.all(answers)).filter((answer) => answer.success).length;
    // While the commits were held, 3 × 4 sends of 53 KB were queued at once by one session.
    assert.ok(accepted <= 4, `${accepted} sends of one session held at once, over one socket's bound`);
  });
});
