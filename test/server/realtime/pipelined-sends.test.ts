import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import type { Socket } from "socket.io-client";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { MAX_QUEUED_EVENTS } from "../../../src/server/realtime/gateway.ts";
import type { StorageTarget } from "../../../src/server/storage/database.ts";
import { type ChatUser, call, chatServerEnv, chatUser } from "../../support/chats.ts";
import { scrape } from "../../support/metrics.ts";
import { backends, type Envelope, startTestServer, type TestServer } from "../../support/server.ts";
import {
  chatBetween,
  closeAll,
  connectV4,
  eventually,
  record,
  request,
  textMessage,
} from "../../support/sockets.ts";

/** How long a send's ack may take: a thousand sends queued behind a held lock, on a loaded machine. */
const ACK_WAIT_MS = 60_000;

/**
 * Takes the messages table's write lock on a connection of its own: the server's message commits wait until
 * the returned release is called (SQLite's busy timeout is 5 s: release well before).
 */
async function holdMessageCommits(target: StorageTarget): Promise<() => Promise<void>> {
  if (target.kind === "sqlite") {
    const db = new Database(target.file);
    db.exec("begin immediate");
    return async () => {
      db.exec("commit");
      db.close();
    };
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  await client.query("begin");
  await client.query(`lock table ${target.schema ? `${target.schema}.` : ""}messages in exclusive mode`);
  return async () => {
    await client.query("commit");
    await client.end();
  };
}

/** Emits a sendMessage with an ack callback, without waiting; resolves with the envelope (rejects on no ack). */
function emitSend(socket: Socket, payload: Record<string, unknown>): Promise<Envelope> {
  return new Promise((resolve, reject) =>
    socket.timeout(ACK_WAIT_MS).emit("sendMessage", payload, (error: Error | null, envelope: Envelope) => {
      if (error) reject(error);
      else resolve(envelope);
    }),
  );
}

/**
 * Resolves once the server has read every event the socket emitted before: an event the API does not have is
 * answered at once, outside the socket's queue, and a socket's packets are read in order.
 */
async function serverHasRead(socket: Socket): Promise<void> {
  const answer = await request(socket, "notAnEvent");
  assert.equal(answer.error, "MethodNotFound");
}

/** The message texts of a chat's latest history page, oldest first. */
async function latestTexts(server: TestServer, token: string, chat: string): Promise<string[]> {
  const page = await call<Message[]>(server, "/api/messages/", { token, chat });
  return page.map((message) => Buffer.from(message.data, "base64").toString());
}

for (const backend of backends) {
  describe(`one socket's pipelined sends [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let chat: string;
    const sockets: Socket[] = [];
    const open = async (token: string) => {
      const socket = await connectV4(server.url, { token });
      sockets.push(socket);
      return socket;
    };
    const batchSizes = async () => {
      const metrics = await scrape(server.server.metricsUrl());
      return {
        batches: metrics.value("certchat_commit_batch_size_count") ?? 0,
        rows: metrics.value("certchat_commit_batch_size_sum") ?? 0,
      };
    };

    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса Петровна");
      bob = await chatUser(server, "Бобров Борис Иванович");
      chat = await chatBetween(server, alice, bob);
    });
    after(async () => {
      closeAll(sockets);
      await server.close();
    });

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
      const texts = (messages: Message[]) =>
        messages.map((message) => Buffer.from(message.data, "base64").toString());
      assert.equal(
        texts(delivered).filter((text) => text.startsWith("refused")).length,
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

    // That sends not yet begun are dropped is event-queue.test.ts's (deterministic); how many had begun here
    // depends on timing (a fresh-clone CI run once stored all 400 on SQLite, the hold notwithstanding), so this
    // checks what must hold whatever the timing: what was stored is the first sends, in order, without a gap.
    test("a socket that disconnects with sends queued leaves a gapless prefix of its sends, in order", async () => {
      const sender = await open(alice.token);
      const receiver = await open(bob.token);
      await request(receiver, "subscribe", chat);
      const delivered = record(receiver, "messages") as Message[];
      const COUNT = 400;
      const payloads = Array.from({ length: COUNT }, (_, seq) => textMessage(alice, chat, `left ${seq}`));
      const release = await holdMessageCommits(server.storageTarget);
      for (const payload of payloads) sender.emit("sendMessage", payload);
      await serverHasRead(sender);
      sender.disconnect();
      await release();

      const barrierSocket = await open(alice.token);
      const barrier = await request(barrierSocket, "sendMessage", textMessage(alice, chat, "after leaving"));
      const barrierId = (barrier.data as Message).id;
      await eventually(() => delivered.some((message) => message.id === barrierId), "the barrier delivered");
      const texts = delivered.map((message) => Buffer.from(message.data, "base64").toString());
      const left = texts.filter((text) => text.startsWith("left"));
      assert.deepEqual(
        left,
        Array.from({ length: left.length }, (_, seq) => `left ${seq}`),
        "what was stored is the first sends, in order",
      );
    });
  });
}
