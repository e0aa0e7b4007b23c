import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatUser } from "../../support/chats.ts";
import { tempDataDir } from "../../support/cli.ts";
import { scrape } from "../../support/metrics.ts";
import { metricsUrlOf, type ServerNode, startNode } from "../../support/nodes.ts";
import { exited, freePort, kill, startRedis } from "../../support/processes.ts";
import { type ApiServer, backends, poster } from "../../support/server.ts";
import { TestSmsGateway } from "../../support/sms-gateway.ts";
import {
  type AnySocket,
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  emitWithAckArgs,
  eventually,
  type LegacySocket,
  nextEvent,
  record,
  request,
  textMessage,
} from "../../support/sockets.ts";
import { createDatabase, testDatabaseUrl } from "../../support/storage.ts";

const postgres = backends.find((backend) => backend.name === "postgres");

/**
 * Two `certchat serve` processes on different ports sharing one fresh PostgreSQL database, one data directory
 * (test CA and files) and a redis-server this test starts, stops and restarts.
 */
describe("two server nodes with PostgreSQL and Redis", { skip: postgres?.skip ?? "no PostgreSQL" }, () => {
  const dataDir = tempDataDir();
  const sms = new TestSmsGateway();
  const sockets: AnySocket[] = [];
  let redisPort: number;
  let redis: ChildProcess | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let nodeA: ServerNode;
  let nodeB: ServerNode | undefined;
  let api: ApiServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let chat: string;
  let aliceOnA: Socket;
  let bobOnB: LegacySocket;
  let aliceSeen: unknown[];
  let bobSeen: unknown[];

  function startNodeOf(smsUrl: string, databaseUrl: string): Promise<ServerNode> {
    return startNode({ dataDir, databaseUrl, smsUrl, redisUrl: `redis://127.0.0.1:${redisPort}` });
  }

  /** Every message of the chat after `afterId`, paging forward over the socket. */
  async function historyAfter(socket: AnySocket, afterId: number): Promise<Message[]> {
    const all: Message[] = [];
    let anchor = afterId;
    for (;;) {
      const page = (await request(socket, "messages", { chat, id: anchor, rel: "next" })).data as Message[];
      all.push(...page);
      if (page.length < 50) return all;
      anchor = page.at(-1)?.id ?? anchor;
    }
  }

  before(async () => {
    database = await createDatabase(testDatabaseUrl, "certchat_nodes");
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    const smsUrl = await sms.start();
    // One after the other: the first migrates the database and creates the data directory's test CA.
    nodeA = await startNodeOf(smsUrl, database.url);
    nodeB = await startNodeOf(smsUrl, database.url);
    api = { dataDir, sms, post: poster(nodeA.url) };
    alice = await chatUser(api, "Алисова Алиса Петровна");
    bob = await chatUser(api, "Бобров Борис Иванович");
    chat = await chatBetween(api, alice, bob);

    aliceOnA = await connectV4(nodeA.url, { token: alice.token });
    bobOnB = await connectV2(nodeB.url);
    sockets.push(aliceOnA, bobOnB);
    bobOnB.emit("session", bob.token);
    await request(bobOnB, "subscribe", chat);
    await request(aliceOnA, "subscribe", chat);
    aliceSeen = record(aliceOnA, "messages");
    bobSeen = record(bobOnB, "message");
  });

  after(async () => {
    closeAll(sockets);
    await kill(nodeA?.child);
    await kill(nodeB?.child);
    await kill(redis);
    await sms.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("the banner names the Redis adapter; a message sent on one node reaches the other node's sockets live", async () => {
    assert.match(
      nodeA.stdout(),
      new RegExp(`realtime: socket\\.io \\(redis redis://127\\.0\\.0\\.1:${redisPort}`),
    );
    const fromBob = await request(bobOnB, "sendMessage", { ...textMessage(bob, chat, "B to A"), localId: 1 });
    assert.equal(fromBob.success, true);
    await eventually(() => aliceSeen.length === 1, "Alice on node A gets Bob's message from node B");
    const { localId: _, ...bare } = fromBob.data as Message;
    assert.deepEqual(aliceSeen[0], bare);

    const overRest = await call<Message>({ ...api, post: poster(nodeB?.url ?? "") }, "/api/sendMessage/", {
      token: bob.token,
      ...textMessage(bob, chat, "REST on B"),
    });
    await eventually(() => aliceSeen.length === 2, "the REST message from node B");
    assert.equal((aliceSeen[1] as Message).id, overRest.id);

    await request(aliceOnA, "sendMessage", textMessage(alice, chat, "A to B"));
    await eventually(() => bobSeen.length === 1, "Bob's legacy socket on node B gets `message`");

    // Each node counts what its own sockets got, Redis-borne broadcasts included; senders are not counted.
    for (const node of [nodeA, nodeB]) {
      const scraped = await scrape(node ? metricsUrlOf(node) : undefined);
      assert.equal(scraped.value("certchat_message_deliveries_total"), 2);
      assert.equal(scraped.value("certchat_redis_up"), 1);
    }
  });

  test("with Redis down, sends succeed and nothing is lost: history catches up; live delivery resumes when Redis returns", async () => {
    // The last id Alice's client holds (her own message came to her as its ack, not as an event).
    const lastSeen = (await historyAfter(aliceOnA, 0)).at(-1)?.id ?? 0;
    await kill(redis);
    const acked: Message[] = [];
    for (let i = 0; i < 5; i++) {
      const started = Date.now();
      const answer = await request(bobOnB, "sendMessage", {
        ...textMessage(bob, chat, `outage ${i}`),
        localId: `o${i}`,
      });
      assert.equal(answer.success, true);
      assert.ok(Date.now() - started < 2_000, "a send never waits for Redis");
      acked.push(answer.data as Message);
    }
    const caughtUp = await historyAfter(aliceOnA, lastSeen);
    assert.deepEqual(
      caughtUp.map((message) => message.id),
      acked.map((message) => message.id),
    );

    // Both nodes noticed the outage before Redis returns (a quick restart could otherwise go unnoticed).
    const outageLogs = (node: ServerNode | undefined) =>
      (node?.stdout().split("redis unreachable").length ?? 1) - 1;
    await eventually(() => outageLogs(nodeA) >= 1 && outageLogs(nodeB) >= 1, "both nodes log the outage");
    redis = await startRedis(redisPort);
    let probe = 0;
    await eventually(
      () => {
        const arrived = aliceSeen.some(
          (message) => (message as Message).data === Buffer.from(`probe ${probe}`).toString("base64"),
        );
        if (!arrived && probe < 100) {
          probe += 1;
          bobOnB.emit("sendMessage", textMessage(bob, chat, `probe ${probe}`));
        }
        return arrived;
      },
      "live delivery after Redis restarted",
      20_000,
    );
    for (const node of [nodeA, nodeB])
      assert.equal(outageLogs(node), 1, "the outage is logged once per node");
  });

  test("kill -9 of a node during sending loses no acknowledged message; retries on the other node make no duplicate", async () => {
    const before = (await historyAfter(aliceOnA, 0)).at(-1)?.id ?? 0;
    const count = 40;
    const acks = new Map<number, Message>();
    const firstAck = new Promise<void>((resolve) => {
      for (let i = 0; i < count; i++) {
        void emitWithAckArgs(bobOnB, "sendMessage", {
          ...textMessage(bob, chat, `kill ${i}`),
          localId: 1000 + i,
        })
          .then(([envelope]) => {
            acks.set(i, (envelope as { data: Message }).data);
            resolve();
          })
          .catch(() => {});
      }
    });
    await firstAck;
    await kill(nodeB?.child);

    // Bob's device retries every unacknowledged send (and, to be sure, the acknowledged ones) on node A.
    const bobOnA = await connectV4(nodeA.url, { token: bob.token });
    sockets.push(bobOnA);
    for (let i = 0; i < count; i++) {
      const retry = await request(bobOnA, "sendMessage", {
        ...textMessage(bob, chat, `kill ${i}`),
        localId: 1000 + i,
      });
      assert.equal(retry.success, true);
      const acked = acks.get(i);
      if (acked)
        assert.equal((retry.data as Message).id, acked.id, "an acknowledged message is the one stored");
    }
    const stored = await historyAfter(aliceOnA, before);
    const texts = stored.map((message) => Buffer.from(message.data, "base64").toString());
    assert.deepEqual(
      texts.filter((text) => text.startsWith("kill ")).sort(),
      Array.from({ length: count }, (_, i) => `kill ${i}`).sort(),
    );
  });

  test("SIGTERM: the node closes its sockets (clients are told to reconnect) and exits 0 promptly", async () => {
    const reason = nextEvent(aliceOnA, "disconnect", 10_000);
    const started = Date.now();
    nodeA.child.kill("SIGTERM");
    assert.equal(await exited(nodeA.child), 0);
    assert.equal(await reason, "transport close");
    assert.ok(Date.now() - started < 10_000);
  });
});
