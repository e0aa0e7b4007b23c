import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { coalesceBufferedFrames } from "../../../src/server/realtime/flush-coalescing.ts";
import { chatRoom } from "../../../src/server/realtime/rooms.ts";
import { SocketMessagePublisher } from "../../../src/server/realtime/socket-publisher.ts";
import { emissionOrder, liveMessage, roomServer } from "../../support/live-events.ts";
import { type AnySocket, closeAll, connectV2, connectV4, eventually, record } from "../../support/sockets.ts";

/** The publisher on a single-node Socket.IO server whose sockets joined chat c1's room of their generation. */
describe("SocketMessagePublisher", () => {
  let io: CertchatIo;
  let url: string;
  const sockets: AnySocket[] = [];

  before(async () => {
    ({ io, url } = await roomServer((socket) => [chatRoom("c1", socket.conn.protocol)]));
    coalesceBufferedFrames(io);
  });
  after(async () => {
    closeAll(sockets);
    await io.close();
  });

  async function connect<S extends AnySocket>(open: Promise<S>): Promise<S> {
    const socket = await open;
    sockets.push(socket);
    return socket;
  }

  test("messages published in one turn reach both generations in publish order, without localId", async () => {
    const current = await connect(connectV4(url));
    const legacy = await connect(connectV2(url));
    const seenCurrent = record(current, "messages");
    const seenLegacy = record(legacy, "message");
    const publisher = new SocketMessagePublisher(io, pino({ level: "silent" }), emissionOrder());
    for (let id = 1; id <= 5; id++) publisher.publish(liveMessage(id, { localId: `local-${id}` }));
    await eventually(() => seenCurrent.length === 5 && seenLegacy.length === 5, "all five on both sockets");
    const expected = [1, 2, 3, 4, 5].map((id) => liveMessage(id));
    assert.deepEqual(seenCurrent, expected);
    assert.deepEqual(seenLegacy, expected);
    closeAll([current, legacy]);
  });

  /** The rooms broadcast to while `run` runs (each emit is one adapter broadcast: one encode, one frame). */
  async function broadcastRooms(run: () => Promise<void>): Promise<string[]> {
    const adapter = io.of("/").adapter;
    const broadcast = adapter.broadcast;
    const rooms: string[] = [];
    adapter.broadcast = function recorded(packet, options) {
      rooms.push(...options.rooms);
      broadcast.call(this, packet, options);
    };
    try {
      await run();
    } finally {
      adapter.broadcast = broadcast;
    }
    return rooms;
  }

  test("on a single node, a room no socket is in is not emitted to", async () => {
    // The Engine.IO 3 socket of the first test has left.
    await eventually(
      () => !io.of("/").adapter.rooms.has(chatRoom("c1", 3)),
      "chat c1's Engine.IO 3 room gone",
    );
    const current = await connect(connectV4(url));
    const seen = record(current, "messages");
    const publisher = new SocketMessagePublisher(io, pino({ level: "silent" }), emissionOrder(), {
      singleNode: true,
    });
    const rooms = await broadcastRooms(async () => {
      publisher.publish(liveMessage(8));
      await eventually(() => seen.length === 1, "message 8 on the Engine.IO 4 socket");
    });
    assert.deepEqual(rooms, [chatRoom("c1", 4)]);
    closeAll([current]);
  });

  test("with other nodes (Redis), both rooms are emitted to though none of this node's sockets is in one", async () => {
    const current = await connect(connectV4(url));
    const seen = record(current, "messages");
    const publisher = new SocketMessagePublisher(io, pino({ level: "silent" }), emissionOrder(), {
      singleNode: false,
    });
    const rooms = await broadcastRooms(async () => {
      publisher.publish(liveMessage(9));
      await eventually(() => seen.length === 1, "message 9 on the Engine.IO 4 socket");
    });
    assert.deepEqual(rooms, [chatRoom("c1", 4), chatRoom("c1", 3)]);
    closeAll([current]);
  });

  test("the sending socket is skipped, the others get the message", async () => {
    const sender = await connect(connectV4(url));
    const other = await connect(connectV4(url));
    const seenBySender = record(sender, "messages");
    const seenByOther = record(other, "messages");
    const publisher = new SocketMessagePublisher(io, pino({ level: "silent" }), emissionOrder());
    // A Socket.IO 4 client knows its socket id: the one `except` names.
    const senderId = (sender as { id?: string }).id;
    assert.ok(senderId);
    publisher.publish(liveMessage(6), { exceptSocketId: senderId });
    publisher.publish(liveMessage(7));
    await eventually(() => seenByOther.length === 2 && seenBySender.length === 1, "the barrier message 7");
    assert.deepEqual(seenByOther, [liveMessage(6), liveMessage(7)]);
    assert.deepEqual(seenBySender, [liveMessage(7)]);
    closeAll([sender, other]);
  });
});
