import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Server } from "socket.io";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { createGateway, createSocketServer } from "../../../src/server/realtime/gateway.ts";
import { connectRedis, type RedisLink } from "../../../src/server/realtime/redis-adapter.ts";
import { chatRoom } from "../../../src/server/realtime/rooms.ts";
import { SocketMessagePublisher } from "../../../src/server/realtime/socket-publisher.ts";
import { emissionOrder, liveMessage } from "../../support/live-events.ts";
import { type AnySocket, closeAll, connectV4, eventually, nextEvent, record } from "../../support/sockets.ts";

const redisUrl = process.env.CERTCHAT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const logger = pino({ level: "silent" });

const servers: ReturnType<typeof createServer>[] = [];

async function listening(io: CertchatIo): Promise<string> {
  const http = createServer();
  servers.push(http);
  io.attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

/**
 * From the outside review of the publish path: node A acks a socket send and publishes it (SocketMessagePublisher
 * defers the emit to the next turn with setImmediate); SIGTERM then runs gateway.close() and, once HTTP has
 * drained, closeLinks(), which used to close the Redis link before that setImmediate. A member
 * connected to node B stays connected, so nothing makes it fetch history: the acked message never reaches it.
 * The gateway here has no sessions/messages/rights (no socket of node A sends anything): only close() runs.
 */
describe("gateway close with a publication pending", () => {
  let redisA: RedisLink;
  let redisB: RedisLink;
  let ioA: CertchatIo;
  let ioB: CertchatIo;
  let redisC: RedisLink;
  let ioC: CertchatIo;
  let urlB: string;
  const sockets: AnySocket[] = [];
  let linksClosed = false;

  before(async () => {
    redisA = connectRedis(redisUrl, logger);
    redisB = connectRedis(redisUrl, logger);
    ioA = createSocketServer({ preAuthBytes: 100_000, redis: redisA });
    ioB = createSocketServer({ preAuthBytes: 100_000, redis: redisB });
    redisC = connectRedis(redisUrl, logger);
    ioC = createSocketServer({ preAuthBytes: 100_000, redis: redisC });
    await listening(ioC);
    ioB.on("connection", (socket) => void socket.join(chatRoom("shutdown-probe", socket.conn.protocol)));
    await listening(ioA);
    urlB = await listening(ioB);
  });
  after(async () => {
    closeAll(sockets);
    await ioB.close();
    redisB.close();
    await ioC.close();
    redisC.close();
    if (!linksClosed) redisA.close();
    for (const http of servers) http.closeAllConnections();
    await Promise.all(servers.map((http) => new Promise((resolve) => http.close(resolve))));
  });

  test("a message published on a node just before its gateway closes still reaches a member on another node", async () => {
    const onB = await connectV4(urlB);
    sockets.push(onB);
    const seen = record(onB, "messages");
    // Both adapters subscribed: a broadcast from A reaches the socket on B (a barrier that works). Sent again
    // until it arrives: a broadcast before the adapters' Redis subscriptions are up is lost (a loaded machine).
    const warm = nextEvent(onB, "warm", 30_000);
    const warming = setInterval(
      () => (ioA as unknown as Server).to(chatRoom("shutdown-probe", 4)).emit("warm"),
      100,
    );
    try {
      await warm;
    } finally {
      clearInterval(warming);
    }
    const gatewayA = createGateway(ioA, {
      logger,
      sessions: {} as never,
      messages: {} as never,
      rights: {} as never,
      preAuthBytes: 100_000,
      redis: redisA,
      maxPayloadBytes: 1_000_000,
      maxQueuedBytes: 1_000_000,
      authGraceMs: 60_000,
      sessionCheckMs: 3_600_000,
      sessionEnds: { count: async () => 0, pollMs: 3_600_000 },
      drainMs: 1_000,
      drainSocketsPerSecond: 0,
      clientAddress: () => "127.0.0.1",
    });
    // As the socket gateway does right after an ack: announce, then the process is told to stop.
    new SocketMessagePublisher(ioA, logger, emissionOrder()).publish(
      liveMessage(1, { chat: "shutdown-probe" }),
    );
    await gatewayA.close();
    await gatewayA.closeLinks();
    linksClosed = true;
    // The barrier goes through Redis too, from a third node, after A's close returned; message 1 may still be
    // on its way to B's socket then, so the barrier is message 2 itself (Redis delivers 1 before it).
    new SocketMessagePublisher(ioC, logger, emissionOrder()).publish(
      liveMessage(2, { chat: "shutdown-probe" }),
    );
    await eventually(() => seen.some((m) => (m as Message).id === 2), "the barrier message 2 on node B");
    assert.deepEqual(
      seen.map((m) => (m as Message).id),
      [1, 2],
    );
  });
});
