import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Socket } from "socket.io-client";
import type { ChatUser } from "../test/support/chats.ts";
import type { ServerNode } from "../test/support/nodes.ts";
import { freePort, kill, startRedis } from "../test/support/processes.ts";
import { poster } from "../test/support/server.ts";
import { createDatabase } from "../test/support/storage.ts";
import { Cluster, populate } from "./support/cluster.ts";
import { chatHistory } from "./support/history.ts";
import {
  allAcked,
  ask,
  checkDeliveries,
  deliveriesSettled,
  isCleanFailure,
  offerSteadily,
  openMany,
  openSocket,
  Receiver,
  Sender,
  SendTally,
  waitForAsync,
} from "./support/load-clients.ts";
import { PrivatePostgres } from "./support/private-postgres.ts";
import { privatePostgresSkip, redisSkip } from "./support/requirements.ts";
import { checkStored } from "./support/stored-messages.ts";

const SOCKETS = 200;
const CHATS = 4;
const MESSAGES = 10_000;
const RATE = 200;
const USERS = 10;
const SENDERS_PER_CHAT = 10;
const REDIS_DOWN_MS = 10_000;
/** PostgreSQL stays down this long between its immediate stop and its start. */
const POSTGRES_DOWN_MS = 3_000;
/** ioredis reconnects with a backoff of up to 2 s: sends emitted later than this after recovery go live. */
const RECONNECT_GRACE_MS = 3_000;

/** What REST calls answered while the load ran: every answer must be HTTP 200 with a clean envelope. */
class RestProbe {
  answers = 0;
  unclean: string[] = [];
  private running = true;
  private done: Promise<void> = Promise.resolve();

  start(urls: string[], token: string, chat: string): void {
    this.done = (async () => {
      while (this.running) {
        for (const url of urls) await this.probe(url, token, chat);
        await delay(250);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }

  private async probe(url: string, token: string, chat: string): Promise<void> {
    const post = poster(url);
    for (const [path, body] of [
      ["/api/profile/", { token }],
      ["/api/messages/", { token, chat }],
    ] as const) {
      this.answers += 1;
      try {
        const reply = await post(path, body);
        if (reply.status !== 200 || !(reply.body.success === true || isCleanFailure(reply.body)))
          this.unclean.push(`${path} ${reply.status} ${JSON.stringify(reply.body).slice(0, 200)}`);
      } catch (error) {
        this.unclean.push(`${path} ${String(error)}`);
      }
    }
  }
}

async function healthy(node: ServerNode): Promise<boolean> {
  try {
    const response = await fetch(`${node.url}/healthz`);
    return response.status === 200 && ((await response.json()) as { success: boolean }).success;
  } catch {
    return false;
  }
}

/**
 * Two nodes on a PostgreSQL cluster and a Redis of the test's own. Mid-load, Redis is killed for 10 s, then
 * PostgreSQL is stopped (immediate: a crash for its clients) and started again. The clients keep their
 * sockets (socket.io reconnects them if needed) and retry refused sends with their localId.
 */
describe("resilience: outage", { skip: privatePostgresSkip() || redisSkip() }, () => {
  let postgres: PrivatePostgres | undefined;
  let redis: ChildProcess | undefined;
  let redisPort: number;
  let cluster: Cluster | undefined;
  let databaseUrl: string;
  let members: ChatUser[];
  let chats: string[];
  const sockets: Socket[] = [];
  const receivers: Receiver[] = [];
  const senders: Sender[] = [];
  const tally = new SendTally();
  const rest = new RestProbe();
  let disconnects = 0;

  before(async () => {
    postgres = await PrivatePostgres.create();
    databaseUrl = (await createDatabase(postgres.url, "certchat_outage")).url;
    redisPort = await freePort();
    redis = await startRedis(redisPort);
    cluster = await Cluster.start({ databaseUrl, nodes: 2, redisUrl: `redis://127.0.0.1:${redisPort}` });
    ({ members, chats } = await populate(cluster.api, USERS, CHATS));
    const nodes = cluster.nodes;
    const memberOf = (index: number) => members[Math.floor(index / CHATS) % USERS] as ChatUser;
    await openMany(sockets, SOCKETS, (index) =>
      openSocket(nodes[index % nodes.length]?.url ?? "", memberOf(index).token, true),
    );
    for (const [index, socket] of sockets.entries()) {
      const chat = chats[index % CHATS] ?? "";
      const subscribed = await ask(socket, "subscribe", chat);
      assert.equal(subscribed.success, true, `subscribe: ${subscribed.error}`);
      socket.on("disconnect", () => {
        disconnects += 1;
      });
      // As every client does after socket.io reconnected it: the new server-side socket has no rooms yet.
      socket.io.on("reconnect", () => socket.emit("subscribe", chat));
      const receiver = new Receiver(chat, socket);
      receivers.push(receiver);
      if (index < CHATS * SENDERS_PER_CHAT) {
        const options = { window: 10, ackTimeoutMs: 10_000, retryDelayMs: 250 };
        senders.push(new Sender(socket, chat, memberOf(index), tally, options, receiver));
      }
    }
  });

  after(async () => {
    for (const sender of senders) sender.stop();
    await rest.stop();
    for (const socket of sockets) socket.close();
    await cluster?.close();
    await kill(redis);
    await postgres?.destroy();
  });

  test("Redis down 10 s, then PostgreSQL restarted, mid-load: nodes survive, refusals are clean envelopes, nothing acked is lost, live delivery resumes by itself", async () => {
    const started = Date.now();
    const nodes = cluster?.nodes ?? [];
    const [owner] = members;
    rest.start(
      nodes.map((node) => node.url),
      owner?.token ?? "",
      chats[0] ?? "",
    );
    const offering = offerSteadily(senders, MESSAGES, RATE);

    await delay(8_000);
    await kill(redis);
    await delay(REDIS_DOWN_MS);
    redis = await startRedis(redisPort);
    await delay(2_000);
    // Messages are accepted and stored without Redis (docs/DECISIONS.md §3): no refusal until PostgreSQL goes.
    const refusedWithoutRedis = tally.refusals;
    const postgresDown = Date.now();
    await postgres?.stop("immediate");
    await delay(POSTGRES_DOWN_MS);
    await postgres?.start();
    const postgresDownFor = Date.now() - postgresDown;
    assert.ok(
      await waitForAsync(async () => (await Promise.all(nodes.map(healthy))).every(Boolean), 30_000),
      "/healthz OK on both nodes after the restart",
    );
    const recovered = Date.now();

    await offering;
    assert.ok(await allAcked(tally, MESSAGES), `acked ${tally.ackedCount} of ${MESSAGES}`);
    await rest.stop();

    // Live delivery after recovery: every send emitted once things were back reaches every socket.
    const afterRecovery = tally.ackedEmittedAfter(recovered + RECONNECT_GRACE_MS);
    const expectLive = (receiver: Receiver) => afterRecovery.get(receiver.chat) ?? [];
    await deliveriesSettled(receivers, expectLive);
    const live = checkDeliveries(receivers, expectLive, new Set(tally.acked.values()));

    // What sockets missed live from senders on their own node (Redis plays no part there). A send committed
    // just as PostgreSQL went away is refused; its retry finds it stored and announces it then.
    const nodeOf = new Map(receivers.map((receiver, index) => [receiver, index % 2]));
    const fromNode = new Map<string, number[]>();
    for (const sender of receivers.slice(0, senders.length)) {
      const key = `${sender.chat}/${nodeOf.get(sender)}`;
      fromNode.set(key, [...(fromNode.get(key) ?? []), ...sender.own]);
    }
    const sameNode = checkDeliveries(
      receivers,
      (receiver) => fromNode.get(`${receiver.chat}/${nodeOf.get(receiver)}`) ?? [],
      new Set(tally.acked.values()),
    );

    let historyLost = 0;
    for (const chat of chats) {
      const history = new Set(
        (await chatHistory(nodes[0]?.url ?? "", owner?.token ?? "", chat)).map((m) => m.id),
      );
      historyLost += (tally.ackedByChat.get(chat) ?? []).filter((id) => !history.has(id)).length;
    }
    const stored = await checkStored(databaseUrl, tally.acked);
    const crashes = cluster?.crashes() ?? 0;
    const lost = stored.missing + historyLost + live.lost;
    const duplicates = stored.duplicates + tally.conflicts;
    const unclean = tally.unclean.length + rest.unclean.length;
    console.log(
      `resilience outage: nodes=2 sockets=${SOCKETS} chats=${CHATS} sent=${tally.sent} acked=${tally.ackedCount} ` +
        `redis_down=${REDIS_DOWN_MS / 1000}s refused_while_redis_down=${refusedWithoutRedis} ` +
        `postgres_down=${(postgresDownFor / 1000).toFixed(1)}s ` +
        `socket_errors=${tally.errorSummary()} timeouts=${tally.timeouts} rest_calls=${rest.answers} unclean=${unclean} ` +
        `disconnects=${disconnects} delivered_after_recovery=${live.delivered} ` +
        `missed_live_same_node=${sameNode.lost} stored=${stored.stored} ` +
        `duplicates=${duplicates} lost=${lost} crashes=${crashes} in ${Math.round((Date.now() - started) / 1000)} s`,
    );
    assert.equal(crashes, 0, "crashes");
    assert.equal(lost, 0, "lost");
    assert.equal(refusedWithoutRedis, 0, "sends refused while only Redis was down");
    assert.equal(duplicates, 0, "duplicates");
    assert.equal(sameNode.lost, 0, "messages sent through a node reach that node's sockets live");
    assert.deepEqual([...tally.unclean, ...rest.unclean], [], "every refusal is a clean envelope");
    assert.equal(stored.stored, MESSAGES, "one row per message");
    assert.ok(live.delivered > 0, "messages were sent after recovery");
  });
});
