import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import type { CertchatIo, CertchatSocket } from "../../src/server/realtime/context.ts";
import { EmissionOrder } from "../../src/server/realtime/emission-order.ts";
import { createSocketServer } from "../../src/server/realtime/gateway.ts";
import type { RedisLink } from "../../src/server/realtime/redis-adapter.ts";
import { chatRoom, profileRoom } from "../../src/server/realtime/rooms.ts";

/** The publishers' shared order, for tests: an emit that throws is thrown again (an uncaught error fails the test). */
export function emissionOrder(): EmissionOrder {
  return new EmissionOrder((error) => {
    throw error;
  });
}

/** A live message as members receive it (no `localId`), in chat c1 from profile 1 unless `fields` say otherwise. */
export function liveMessage(id: number, fields: Partial<Message> = {}): Message {
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
    ...fields,
  };
}

/**
 * A bare Socket.IO server made as the gateway makes it (no API events), whose sockets join the rooms `roomsOf`
 * names as they connect — standing in for the gateway's session adoption and `subscribe`.
 */
export async function roomServer(
  roomsOf: (socket: CertchatSocket) => string[],
  redis?: RedisLink,
): Promise<{ io: CertchatIo; url: string }> {
  const io = createSocketServer({ preAuthBytes: 100_000, ...(redis ? { redis } : {}) });
  io.on("connection", (socket) => void socket.join(roomsOf(socket)));
  const http = createServer();
  io.attach(http);
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  return { io, url: `http://127.0.0.1:${(http.address() as AddressInfo).port}` };
}

/** For roomServer: the profile's room (the socket says which profile it is: `?pid=`) and chat c1's room. */
export function profileAndChatRooms(socket: CertchatSocket): string[] {
  return [profileRoom(Number(socket.handshake.query.pid)), chatRoom("c1", socket.conn.protocol)];
}
