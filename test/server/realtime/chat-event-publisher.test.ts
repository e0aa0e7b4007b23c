import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { ChatEventPublisher } from "../../../src/server/realtime/chat-event-publisher.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { connectRedis, type RedisLink } from "../../../src/server/realtime/redis-adapter.ts";
import { chatRooms } from "../../../src/server/realtime/rooms.ts";
import { emissionOrder, profileAndChatRooms, roomServer } from "../../support/live-events.ts";
import { freePort } from "../../support/processes.ts";
import { type AnySocket, closeAll, connectV2, connectV4, nextEvent, record } from "../../support/sockets.ts";

/**
 * The publisher on a Socket.IO server whose Redis is unreachable: events to this node's sockets still go out,
 * and a removal still makes this node's sockets leave the chat (the Redis adapter alone would carry even this
 * node's leave through Redis).
 */
describe("ChatEventPublisher with Redis down", () => {
  let io: CertchatIo;
  let redis: RedisLink;
  let url: string;
  const sockets: AnySocket[] = [];

  before(async () => {
    redis = connectRedis(`redis://127.0.0.1:${await freePort()}`, pino({ level: "silent" }));
    ({ io, url } = await roomServer(profileAndChatRooms, redis));
  });
  after(async () => {
    closeAll(sockets);
    await io.close();
    redis.close();
  });

  async function socketOf(pid: number, generation: "v2" | "v4"): Promise<AnySocket> {
    const socket =
      generation === "v4" ? await connectV4(`${url}?pid=${pid}`) : await connectV2(`${url}?pid=${pid}`);
    sockets.push(socket);
    return socket;
  }

  const members = (room: string) => [...(io.of("/").adapter.rooms.get(room) ?? [])];

  test("removed: the profile's sockets of both generations leave the chat's rooms before chatRemoved; others stay", async () => {
    const [current, legacy, other] = [
      await socketOf(1, "v4"),
      await socketOf(1, "v2"),
      await socketOf(2, "v4"),
    ];
    const events = [nextEvent(current, "chatRemoved"), nextEvent(legacy, "chatRemoved")];
    new ChatEventPublisher(io, emissionOrder()).removed("c1", 1, { chatId: "c1", reason: "removed", by: 2 });
    // Synchronous: left by the time removed returns, whatever Redis does.
    assert.deepEqual(chatRooms("c1").map(members), [[(other as { id: string }).id], []]);
    for (const event of await Promise.all(events))
      assert.deepEqual(event, { chatId: "c1", reason: "removed", by: 2 });
  });

  test("an event for no profile reaches nobody (Socket.IO would broadcast to every socket)", async () => {
    const socket = await socketOf(3, "v4");
    const seen = record(socket, "chatChanged");
    const publisher = new ChatEventPublisher(io, emissionOrder());
    publisher.changed("c1", [], { chatId: "c1", keyId: 1, version: 1, rotationDue: false });
    const barrier = nextEvent(socket, "chatChanged");
    publisher.changed("c1", [3], { chatId: "c1", keyId: 1, version: 2, rotationDue: false });
    assert.deepEqual(await barrier, { chatId: "c1", keyId: 1, version: 2, rotationDue: false });
    assert.equal(seen.length, 1);
  });
});
