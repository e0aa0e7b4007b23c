import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { createDatabase, testDatabaseUrl } from "../test/support/storage.ts";
import { Cluster, populate } from "./support/cluster.ts";
import {
  allAcked,
  ask,
  checkDeliveries,
  deliveriesSettled,
  offerSteadily,
  openMany,
  openSocket,
  Receiver,
  Sender,
  SendTally,
} from "./support/load-clients.ts";
import { sharedPostgresSkip } from "./support/requirements.ts";
import { checkStored } from "./support/stored-messages.ts";

const SOCKETS = 1_000;
const CHATS = 20;
const MESSAGES = 50_000;
/** Offered messages per second: 25,000 deliveries/s, which this 2-core machine sustains next to the server. */
const RATE = 500;
const USERS = 10;
/** The first sockets of each chat also send (their acks are their copies). */
const SENDERS_PER_CHAT = 5;

/**
 * One node on a fresh PostgreSQL database; socket i subscribes to chat i mod 20 as user ⌊i/20⌋ mod 10, so
 * sockets share sessions as one person's devices do.
 */
describe("resilience: load", { skip: sharedPostgresSkip }, () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let cluster: Cluster | undefined;
  const sockets: Socket[] = [];
  const receivers: Receiver[] = [];
  const senders: Sender[] = [];
  const tally = new SendTally();

  before(async () => {
    database = await createDatabase(testDatabaseUrl, "certchat_load");
    cluster = await Cluster.start({ databaseUrl: database.url, nodes: 1 });
    const { members, chats } = await populate(cluster.api, USERS, CHATS);
    const url = cluster.nodes[0]?.url ?? "";
    const memberOf = (index: number) => members[Math.floor(index / CHATS) % USERS];
    await openMany(sockets, SOCKETS, (index) => openSocket(url, memberOf(index)?.token ?? ""));
    for (const [index, socket] of sockets.entries()) {
      const chat = chats[index % CHATS] ?? "";
      const subscribed = await ask(socket, "subscribe", chat);
      assert.equal(subscribed.success, true, `subscribe: ${subscribed.error}`);
      const receiver = new Receiver(chat, socket);
      receivers.push(receiver);
      const member = memberOf(index);
      if (index < CHATS * SENDERS_PER_CHAT && member) {
        senders.push(
          new Sender(
            socket,
            chat,
            member,
            tally,
            { window: 20, ackTimeoutMs: 30_000, retryDelayMs: 500 },
            receiver,
          ),
        );
      }
    }
  });

  after(async () => {
    for (const sender of senders) sender.stop();
    for (const socket of sockets) socket.close();
    await cluster?.close();
    await database?.drop();
  });

  test("50,000 messages at a steady rate into 20 chats of 50 sockets: each acked message reaches every subscriber once, in id order, and is stored once", async () => {
    const started = Date.now();
    await offerSteadily(senders, MESSAGES, RATE);
    assert.ok(await allAcked(tally, MESSAGES), `acked ${tally.ackedCount} of ${MESSAGES}`);
    const expected = (receiver: Receiver) => tally.ackedByChat.get(receiver.chat) ?? [];
    const ackedIds = new Set(tally.acked.values());
    await deliveriesSettled(receivers, expected);
    const seconds = Math.round((Date.now() - started) / 1000);

    const deliveries = checkDeliveries(receivers, expected, ackedIds);
    const stored = await checkStored(database?.url ?? "", tally.acked);
    const crashes = cluster?.crashes() ?? 0;
    const lost = deliveries.lost + stored.missing;
    console.log(
      `resilience load: sockets=${SOCKETS} chats=${CHATS} sent=${tally.sent} acked=${tally.ackedCount} ` +
        `delivered=${deliveries.delivered} duplicates=${deliveries.duplicates + stored.duplicates} ` +
        `out_of_order=${deliveries.outOfOrder} stored=${stored.stored} retries=${tally.attempts - tally.sent} ` +
        `ack_p99=${tally.latency(99)}ms ` +
        `errors=${tally.errorSummary()} lost=${lost} crashes=${crashes} in ${seconds} s`,
    );
    assert.equal(lost, 0, "lost");
    assert.equal(crashes, 0, "crashes");
    assert.equal(deliveries.duplicates + stored.duplicates + tally.conflicts, 0, "duplicates");
    assert.equal(deliveries.outOfOrder, 0, "out of order");
    assert.equal(deliveries.phantom, 0, "delivered but never acknowledged");
    assert.equal(stored.stored, MESSAGES, "one row per message");
  });
});
