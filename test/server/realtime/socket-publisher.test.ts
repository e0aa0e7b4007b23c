import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { coalesceBufferedFrames } from "../../../src/server/realtime/flush-coalescing.ts";
import { createSocketServer } from "../../../src/server/realtime/gateway.ts";
import { chatRoom } from "../../../src/server/realtime/rooms.ts";
import { SocketMessagePublisher } from "../../../src/server/realtime/socket-publisher.ts";
import { emissionOrder } from "../../support/emissions.ts";
import { type AnySocket, closeAll, connectV2, connectV4, eventually, record } from "../../support/sockets.ts";

function message(id: number, localId?: string): Message {
  return {
    id,
    chat: "c1",
    pid: 1,
    cid: 1,
    user: "Отправитель Тестов",
    data: `ciphertext ${id}`,
    sign: null,
    cms: null,
    type: "txt",
    file: null,
    time: 1_700_000_000,
    ...(localId ? { localId } : {}),
  };
}

/** The publisher on a single-node Socket.IO server whose sockets joined chat c1's room of their generation. */
describe("SocketMessagePublisher", () => {
  let io: CertchatIo;
  let url: string;
  const sockets: AnySocket[] = [];

  before(async () => {
    io = createSocketServer({ preAuthBytes: 100_000 });
    io.on("connection", (socket) => void socket.join(chatRoom("c1", socket.conn.protocol)));
    const http = createServer();
    io.attach(http);
    coalesceBufferedFrames(io);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
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
    for (let id = 1; id <= 5; id++) publisher.publish(message(id, `local-${id}`));
    await eventually(() => seenCurrent.length === 5 && seenLegacy.length === 5, "all five on both sockets");
    const expected = [1, 2, 3, 4, 5].map((id) => message(id));
    assert.deepEqual(seenCurrent, expected);
    assert.deepEqual(seenLegacy, expected);
    closeAll([current, legacy]);
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
    publisher.publish(message(6), { exceptSocketId: senderId });
    publisher.publish(message(7));
    await eventually(() => seenByOther.length === 2 && seenBySender.length === 1, "the barrier message 7");
    assert.deepEqual(seenByOther, [message(6), message(7)]);
    assert.deepEqual(seenBySender, [message(7)]);
    closeAll([sender, other]);
  });
});
