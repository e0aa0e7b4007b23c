import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { ChatWaitListEvent } from "../../../src/protocol/events.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatUser } from "../../support/chats.ts";
import { tempDataDir } from "../../support/cli.ts";
import { groupOf, nextChatEvent, removeMember, renew } from "../../support/membership.ts";
import { type ServerNode, startNode } from "../../support/nodes.ts";
import { freePort, kill, startRedis } from "../../support/processes.ts";
import { type ApiServer, backends, poster } from "../../support/server.ts";
import { TestSmsGateway } from "../../support/sms-gateway.ts";
import {
  type AnySocket,
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  eventually,
  record,
  request,
  textMessage,
} from "../../support/sockets.ts";
import { createDatabase, testDatabaseUrl } from "../../support/storage.ts";

const postgres = backends.find((backend) => backend.name === "postgres");

/**
 * Membership changes made on node A reach the sockets on node B through Redis: a removed member's sockets
 * there leave the chat's rooms, and wait lists are pushed to the members there.
 */
describe("membership events across two nodes", { skip: postgres?.skip ?? "no PostgreSQL" }, () => {
  const dataDir = tempDataDir();
  const sms = new TestSmsGateway();
  const sockets: AnySocket[] = [];
  let redis: ChildProcess | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const nodes: ServerNode[] = [];
  /** The API on node A; `onB` posts to node B. */
  let onA: ApiServer;
  let onB: ApiServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;

  before(async () => {
    database = await createDatabase(testDatabaseUrl, "certchat_membership");
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    const smsUrl = await sms.start();
    // One after the other: the first migrates the database and creates the data directory's test CA.
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startNode({
          dataDir,
          databaseUrl: database.url,
          smsUrl,
          redisUrl: `redis://127.0.0.1:${redisPort}`,
          // A renewal texts the phone its user registered moments before.
          env: { CERTCHAT_SMS_RESEND_INTERVAL: "1ms" },
        }),
      );
    }
    const [nodeA, nodeB] = nodes as [ServerNode, ServerNode];
    onA = { dataDir, sms, post: poster(nodeA.url) };
    onB = { dataDir, sms, post: poster(nodeB.url) };
    alice = await chatUser(onA, "Алисова Алиса Петровна");
    bob = await chatUser(onA, "Бобров Борис Иванович");
    carol = await chatUser(onA, "Карпова Карина Олеговна");
  });

  after(async () => {
    closeAll(sockets);
    for (const node of nodes) await kill(node.child);
    await kill(redis);
    await sms.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("a removal on node A drops the member's sockets on node B from the chat's rooms: a message sent on node B after it does not reach them", async () => {
    const nodeB = nodes[1] as ServerNode;
    const { chat } = await groupOf(onA, alice, [bob, carol]);
    const barrierChat = await chatBetween(onA, carol, bob);
    const bobOnB = [await connectV4(nodeB.url, { token: bob.token }), await connectV2(nodeB.url)];
    sockets.push(...bobOnB);
    assert.equal((await request(bobOnB[1] as AnySocket, "session", bob.token)).success, true);
    for (const socket of bobOnB) {
      await request(socket, "subscribe", chat);
      await request(socket, "subscribe", barrierChat);
    }
    const removed = bobOnB.map((socket) => nextChatEvent(socket, "chatRemoved", chat));
    await removeMember(onA, alice, chat, bob.pid);
    for (const event of await Promise.all(removed))
      assert.deepEqual(event, { chatId: chat, reason: "removed", by: alice.pid });

    const delivered = [record(bobOnB[0] as AnySocket, "messages"), record(bobOnB[1] as AnySocket, "message")];
    await call(onB, "/api/sendMessage/", {
      token: carol.token,
      keyId: 2,
      ...textMessage(carol, chat, "after"),
    });
    const barrier = await call<Message>(onB, "/api/sendMessage/", {
      token: carol.token,
      ...textMessage(carol, barrierChat, "barrier"),
    });
    await eventually(() => delivered.every((seen) => seen.length === 1), "the barrier message");
    for (const seen of delivered)
      assert.deepEqual(
        (seen as Message[]).map((message) => message.id),
        [barrier.id],
      );
  });

  test("a renewal confirmed on node A puts the certificate on the wait list of the members' sockets on node B", async () => {
    const nodeB = nodes[1] as ServerNode;
    const dave = await chatUser(onA, "Давыдов Давид Давидович");
    const { chat } = await groupOf(onA, alice, [dave]);
    const aliceOnB = await connectV2(nodeB.url);
    sockets.push(aliceOnB);
    assert.equal((await request(aliceOnB, "session", alice.token)).success, true);
    const waiting = nextChatEvent<ChatWaitListEvent>(aliceOnB, "chatWaitList", chat);
    const renewed = await renew(onA, dave);
    assert.deepEqual(
      (await waiting).waitList.map((entry) => ({ pid: entry.pid, cid: entry.cid })),
      [{ pid: dave.pid, cid: renewed.cid }],
    );
  });
});
