import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { MAX_OVERLAPPING_SENDS, MAX_QUEUED_EVENTS } from "../../../src/server/realtime/gateway.ts";
import { type ChatUser, call } from "../../support/chats.ts";
import { scrape } from "../../support/metrics.ts";
import { backends, type Envelope, type TestServer } from "../../support/server.ts";
import {
  emitForAck,
  eventually,
  record,
  request,
  type SocketChat,
  serverHasRead,
  startSocketChat,
  textMessage,
} from "../../support/sockets.ts";
import { holdMessageCommits } from "../../support/storage.ts";

/** Emits a sendMessage with an ack callback, without waiting; resolves with the envelope (rejects on no ack). */
function emitSend(socket: Socket, payload: Record<string, unknown>): Promise<Envelope> {
  return emitForAck(socket, "sendMessage", payload);
}

/** The texts of messages, decoded. */
function textsOf(messages: Message[]): string[] {
  return messages.map((message) => Buffer.from(message.data, "base64").toString());
}

/** The message texts of a chat's latest history page, oldest first. */
async function latestTexts(server: TestServer, token: string, chat: string): Promise<string[]> {
  return textsOf(await call<Message[]>(server, "/api/messages/", { token, chat }));
}

for (const backend of backends) {
  describe(`one socket's pipelined sends [${backend.name}]`, { skip: backend.skip }, () => {
    let fixture: SocketChat;
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let chat: string;
    const open = (token: string) => fixture.open(token);
    /** This node's connected Socket.IO 4 sockets. */
    const socketCount = async () =>
      (await scrape(server.server.metricsUrl())).value("certchat_socket_connections", { eio: "4" }) ?? 0;
    const batchSizes = async () => {
      const metrics = await scrape(server.server.metricsUrl());
      return {
        batches: metrics.value("certchat_commit_batch_size_count") ?? 0,
        rows: metrics.value("certchat_commit_batch_size_sum") ?? 0,
      };
    };

    before(async () => {
      fixture = await startSocketChat({ backend });
      ({ server, alice, bob, chat } = fixture);
    });
    after(() => fixture.close());

    test("sends emitted without waiting are acked in emit order, stored with ids in that order and delivered in it", async () => {
      const sender = await open(alice.token);
      const receiver = await open(bob.token);
      await request(receiver, "subscribe", chat);
      const delivered = record(receiver, "messages") as Message[];
      const COUNT = 200;
      const acks: { seq: number; envelope: Envelope }[] = [];
      const sends = Array.from({ length: COUNT }, (_, seq) =>
        emitSend(sender, { ...textMessage(alice, chat, `ordered ${seq}`), localId: seq }).then((envelope) =>
          acks.push({ seq, envelope }),
        ),
      );
      await Promise.all(sends);

      assert.deepEqual(
        acks.map(({ seq }) => seq),
        Array.from({ length: COUNT }, (_, seq) => seq),
        "acks in emit order",
      );
      const ids = acks.map(({ envelope }) => {
        assert.equal(envelope.success, true, envelope.error);
        return (envelope.data as Message).id;
      });
      assert.ok(
        ids.every((id, index) => index === 0 || id > (ids[index - 1] as number)),
        "ids increase in emit order",
      );
      await eventually(() => delivered.length === COUNT, "every message delivered");
      assert.deepEqual(
        delivered.map((message) => message.id),
        ids,
        "delivered in the sender's order",
      );
      assert.deepEqual(
        await latestTexts(server, bob.token, chat),
        Array.from({ length: 50 }, (_, index) => `ordered ${COUNT - 50 + index}`),
        "history in the sender's order",
      );
    });

    test("one socket's sends share a group commit: later sends are prepared while an earlier one commits", async () => {
      const sender = await open(alice.token);
      const before = await batchSizes();
      const COUNT = 20;
      const payloads = Array.from({ length: COUNT }, (_, seq) => textMessage(alice, chat, `shared ${seq}`));
      const release = await holdMessageCommits(server.storageTarget);
      const sends = payloads.map((payload) => emitSend(sender, payload));
      // The first send's commit waits for the lock; the others are then prepared and queued behind it.
      await serverHasRead(sender);
      await release();
      const answers = await Promise.all(sends);
      assert.ok(answers.every((answer) => answer.success));
      const after = await batchSizes();
      assert.equal(after.rows - before.rows, COUNT);
      assert.ok(
        after.batches - before.batches < COUNT,
        `${after.batches - before.batches} commits for ${COUNT} sends`,
      );
    });

    test("a sender far ahead is refused with DataError beyond the bound, stays connected, and its refused sends are neither stored nor delivered", async () => {
      const sender = await open(alice.token);
      const receiver = await open(bob.token);
      await request(receiver, "subscribe", chat);
      const delivered = record(receiver, "messages") as Message[];
      const disconnects: string[] = [];
      sender.on("disconnect", (reason) => disconnects.push(reason));

      const EXTRA = 5;
      // Signed before the lock is taken: the lock must be released within the server's busy timeout.
      const queued = Array.from({ length: MAX_QUEUED_EVENTS }, (_, seq) =>
        textMessage(alice, chat, `queued ${seq}`),
      );
      const beyond = Array.from({ length: EXTRA }, (_, seq) => textMessage(alice, chat, `refused ${seq}`));
      const release = await holdMessageCommits(server.storageTarget);
      const accepted = queued.map((payload) => emitSend(sender, payload));
      // No commit finishes while the lock is held: the queue stays full, and each send beyond it is refused.
      const refused = await Promise.all(beyond.map((payload) => emitSend(sender, payload)));
      await release();
      assert.deepEqual(
        refused.map((answer) => answer.error),
        Array(EXTRA).fill("DataError"),
      );
      const answers = await Promise.all(accepted);
      assert.ok(
        answers.every((answer) => answer.success),
        "every send within the bound committed",
      );

      // The barrier: sent after the refused ones from the same socket, so delivered after anything they caused.
      const barrier = await request(sender, "sendMessage", textMessage(alice, chat, "barrier"));
      assert.equal(barrier.success, true, barrier.error);
      const barrierId = (barrier.data as Message).id;
      await eventually(() => delivered.some((message) => message.id === barrierId), "the barrier delivered");
      assert.equal(
        textsOf(delivered).filter((text) => text.startsWith("refused")).length,
        0,
        "no refused send delivered",
      );
      assert.equal(delivered.length, MAX_QUEUED_EVENTS + 1);
      const stored = await latestTexts(server, bob.token, chat);
      assert.deepEqual(
        stored.slice(-2),
        [`queued ${MAX_QUEUED_EVENTS - 1}`, "barrier"],
        "nothing stored between",
      );
      assert.equal(sender.connected, true);
      assert.deepEqual(disconnects, []);
    });

    test("a socket that disconnects with sends queued leaves only those that had begun their commit: the first ones, in order", async () => {
      const sender = await open(alice.token);
      const receiver = await open(bob.token);
      await request(receiver, "subscribe", chat);
      const delivered = record(receiver, "messages") as Message[];
      const COUNT = 2 * MAX_OVERLAPPING_SENDS;
      const payloads = Array.from({ length: COUNT }, (_, seq) => textMessage(alice, chat, `left ${seq}`));
      const connected = await socketCount();
      const release = await holdMessageCommits(server.storageTarget);
      for (const payload of payloads) sender.emit("sendMessage", payload);
      await serverHasRead(sender);
      sender.disconnect();
      // The lock goes only once the server has seen the socket leave: a client mid-upgrade (polling → websocket)
      // holds its DISCONNECT packet until the upgrade ends, and released before that, the commits ran on and
      // every send had begun by the time the server heard of it (a fresh-clone CI stored all of them).
      await eventually(
        async () => (await socketCount()) === connected - 1,
        "the server saw the socket leave",
      );
      await release();

      const barrierSocket = await open(alice.token);
      const barrier = await request(barrierSocket, "sendMessage", textMessage(alice, chat, "after leaving"));
      const barrierId = (barrier.data as Message).id;
      await eventually(() => delivered.some((message) => message.id === barrierId), "the barrier delivered");
      const left = textsOf(delivered).filter((text) => text.startsWith("left"));
      assert.ok(left.length <= MAX_OVERLAPPING_SENDS, `${left.length} of ${COUNT} sends stored`);
      assert.deepEqual(
        left,
        Array.from({ length: left.length }, (_, seq) => `left ${seq}`),
        "what was stored is the first sends, in order",
      );
    });
  });

  describe(`one socket's queued bytes [${backend.name}]`, { skip: backend.skip }, () => {
    // Four 53 KB sends fit in 256 KiB, a fifth does not.
    const env = { CERTCHAT_MAX_BODY_BYTES: "64KiB", CERTCHAT_SOCKET_QUEUE_BYTES: "256KiB" };
    const BIG_TEXT = 40_000;
    let fixture: SocketChat;
    before(async () => {
      fixture = await startSocketChat({ backend, env });
    });
    after(() => fixture.close());

    const big = (label: string) =>
      textMessage(fixture.alice, fixture.chat, `${label} ${"x".repeat(BIG_TEXT)}`);
    const labels = (messages: Message[]) => textsOf(messages).map((text) => text.split(" ")[0]);
    const bytesRefusals = async () =>
      (await scrape(fixture.server.server.metricsUrl())).value("certchat_rate_limit_refusals_total", {
        limit: "socket_bytes",
      }) ?? 0;

    test("a send that would pass the socket's queued bytes is refused DataError while the earlier ones are acked and stored, and nothing of it is stored or delivered", async () => {
      const { server, alice, bob, chat } = fixture;
      const sender = await fixture.open(alice.token);
      const receiver = await fixture.open(bob.token);
      await request(receiver, "subscribe", chat);
      const delivered = record(receiver, "messages") as Message[];
      const disconnects: string[] = [];
      sender.on("disconnect", (reason) => disconnects.push(reason));
      const refusalsBefore = await bytesRefusals();
      // Signed before the lock is taken: the lock must be released within the server's busy timeout.
      const within = ["big0", "big1", "big2", "big3"].map(big);
      const over = big("refused");
      const small = textMessage(alice, chat, "small");

      const release = await holdMessageCommits(server.storageTarget);
      const accepted = within.map((payload) => emitSend(sender, payload));
      // No commit finishes while the lock is held: the four hold their bytes, and the fifth would pass them.
      const refused = await emitSend(sender, over);
      // A small send still fits: the bound is on bytes, not on the count.
      const smallAck = emitSend(sender, small);
      await serverHasRead(sender);
      await release();
      assert.equal(refused.error, "DataError");
      const answers = await Promise.all([...accepted, smallAck]);
      assert.deepEqual(
        answers.map((answer) => answer.success),
        [true, true, true, true, true],
      );
      assert.equal((await bytesRefusals()) - refusalsBefore, 1);

      // Acked, the four gave their bytes back: the same big send now fits. It is also the barrier.
      const retried = await request(sender, "sendMessage", big("retried"));
      assert.equal(retried.success, true, retried.error);
      const retriedId = (retried.data as Message).id;
      await eventually(
        () => delivered.some((message) => message.id === retriedId),
        "the retried send delivered",
      );
      assert.deepEqual(labels(delivered), ["big0", "big1", "big2", "big3", "small", "retried"]);
      assert.deepEqual(
        (await latestTexts(server, bob.token, chat)).map((text) => text.split(" ")[0]),
        ["big0", "big1", "big2", "big3", "small", "retried"],
      );
      assert.equal(sender.connected, true);
      assert.deepEqual(disconnects, []);
    });
  });
}
