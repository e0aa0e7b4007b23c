import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { Server, type Socket as ServerSocket } from "socket.io";
import { io as connect, type Socket } from "socket.io-client";
import { chatLeavesOf, countChatLeaves } from "../../../src/server/realtime/chat-leaves.ts";
import { connectRedis, type RedisLink } from "../../../src/server/realtime/redis-adapter.ts";
import { chatRooms, profileRoom } from "../../../src/server/realtime/rooms.ts";
import { freePort, kill, startRedis } from "../../support/processes.ts";
import { eventually } from "../../support/sockets.ts";

const CHAT = "0b9e2a34-7c1d-4f3e-9a8b-5d6c7e8f9a0b";
const PROFILE = profileRoom(7);

interface Node {
  io: Server;
  http: HttpServer;
  url: string;
  /** The server side of each connection, in the order they arrive. */
  connected: ServerSocket[];
}

/** A Socket.IO server counting chat leaves as the gateway does; every connection joins PROFILE. */
async function startNode(redis?: RedisLink): Promise<Node> {
  const http = createServer();
  const io = new Server(http, redis ? { adapter: redis.adapter } : {});
  countChatLeaves(io.of("/").adapter, io.of("/").sockets);
  const connected: ServerSocket[] = [];
  io.on("connection", (socket) => {
    void socket.join(PROFILE);
    connected.push(socket);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { io, http, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`, connected };
}

async function connectTo(node: Node): Promise<{ client: Socket; server: ServerSocket }> {
  const client = connect(node.url, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await eventually(() => node.connected.length > 0, "the connection");
  return { client, server: node.connected.at(-1) as ServerSocket };
}

describe("chat leave orders", () => {
  const clients: Socket[] = [];
  const nodes: Node[] = [];
  const links: RedisLink[] = [];
  let redis: ChildProcess | undefined;
  let redisUrl = "";

  before(async () => {
    const port = await freePort();
    redis = await startRedis(port);
    redisUrl = `redis://127.0.0.1:${port}`;
  });
  after(async () => {
    for (const client of clients) client.close();
    // Each adapter unsubscribes from Redis as it closes: awaited before the Redis links go, whose pending
    // commands would otherwise be rejected after the test ("Connection is closed").
    await Promise.all(nodes.map((node) => node.io.close()));
    for (const link of links) link.close();
    await kill(redis);
  });

  test("a removal's leave reaches a socket of the profile that is not in the chat's rooms", async () => {
    const node = await startNode();
    nodes.push(node);
    const { client, server } = await connectTo(node);
    clients.push(client);
    const before = chatLeavesOf(server);
    node.io.local.in(PROFILE).socketsLeave(chatRooms(CHAT));
    assert.equal(chatLeavesOf(server), before + chatRooms(CHAT).length);
  });

  test("a removal's leave on another node reaches the socket through Redis", async () => {
    const logger = pino({ level: "silent" });
    for (let i = 0; i < 2; i++) {
      const link = connectRedis(redisUrl, logger);
      links.push(link);
      nodes.push(await startNode(link));
    }
    const [onA, onB] = nodes.slice(-2) as [Node, Node];
    const { client, server } = await connectTo(onB);
    clients.push(client);
    const before = chatLeavesOf(server);
    // The adapter subscribes to Redis as it starts: repeat the order until B hears it.
    await eventually(() => {
      onA.io.in(PROFILE).socketsLeave(chatRooms(CHAT));
      return chatLeavesOf(server) > before;
    }, "node B's socket to count node A's leave order");
  });
});
