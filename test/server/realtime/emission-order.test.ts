import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { ChatEventPublisher } from "../../../src/server/realtime/chat-event-publisher.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { EmissionOrder } from "../../../src/server/realtime/emission-order.ts";
import { createSocketServer } from "../../../src/server/realtime/gateway.ts";
import { chatRoom, profileRoom } from "../../../src/server/realtime/rooms.ts";
import { SocketMessagePublisher } from "../../../src/server/realtime/socket-publisher.ts";
import { emissionOrder } from "../../support/emissions.ts";
import { type AnySocket, closeAll, connectV4, nextEvent } from "../../support/sockets.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("EmissionOrder", () => {
  test("an in-order emit goes at once when nothing waits", () => {
    const order = emissionOrder();
    const done: string[] = [];
    order.inOrder(() => done.push("event"));
    assert.deepEqual(done, ["event"]);
  });

  test("an in-order emit waits for the emits queued for later before it, then goes right after them", async () => {
    const order = emissionOrder();
    const done: string[] = [];
    order.later(() => done.push("message 1"));
    order.inOrder(() => done.push("removal"));
    order.later(() => done.push("message 2"));
    assert.deepEqual(done, []);
    await nextTurn();
    assert.deepEqual(done, ["message 1", "removal", "message 2"]);
  });

  test("an emit that throws is reported and the ones after it still go", async () => {
    const errors: unknown[] = [];
    const order = new EmissionOrder((error) => errors.push(error));
    const done: string[] = [];
    order.later(() => {
      throw new Error("adapter down");
    });
    order.later(() => done.push("next"));
    await nextTurn();
    assert.deepEqual(done, ["next"]);
    assert.equal(errors.length, 1);
  });
});

function message(id: number): Message {
  return {
    id,
    chat: "c1",
    pid: 2,
    cid: 2,
    user: "Отправитель Тестов",
    data: `ciphertext ${id}`,
    sign: null,
    cms: null,
    type: "txt",
    file: null,
    time: 1_700_000_000,
  };
}

/** Both publishers sharing one order on a server whose sockets joined their profile's room and chat c1's. */
describe("live messages and chat events in publish order", () => {
  let io: CertchatIo;
  let url: string;
  const sockets: AnySocket[] = [];

  before(async () => {
    io = createSocketServer({ preAuthBytes: 100_000 });
    io.on("connection", (socket) => {
      const profileId = Number(socket.handshake.query.pid);
      void socket.join([profileRoom(profileId), chatRoom("c1", socket.conn.protocol)]);
    });
    const http = createServer();
    io.attach(http);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    closeAll(sockets);
    await io.close();
  });

  function publishers() {
    const order = emissionOrder();
    return {
      messages: new SocketMessagePublisher(io, pino({ level: "silent" }), order),
      events: new ChatEventPublisher(io, order),
    };
  }

  test("a message published before a member's removal reaches that member, before its chatRemoved", async () => {
    const member = await connectV4(`${url}?pid=1`);
    sockets.push(member);
    const arrivals: string[] = [];
    member.on("messages", (m: Message) => arrivals.push(`message ${m.id}`));
    const removal = nextEvent(member, "chatRemoved");
    member.on("chatRemoved", () => arrivals.push("chatRemoved"));
    const { messages, events } = publishers();
    messages.publish(message(1));
    events.removed("c1", 1, { chatId: "c1", reason: "removed", by: 2 });
    messages.publish(message(2));
    await removal;
    // chatRemoved is the barrier: message 2, published after the removal, would have come before it.
    assert.deepEqual(arrivals, ["message 1", "chatRemoved"]);
  });

  test("a message published before a key change arrives before its chatChanged", async () => {
    const member = await connectV4(`${url}?pid=3`);
    sockets.push(member);
    const arrivals: string[] = [];
    member.on("messages", (m: Message) => arrivals.push(`message ${m.id}`));
    member.on("chatChanged", () => arrivals.push("chatChanged"));
    const changed = nextEvent(member, "chatChanged");
    const { messages, events } = publishers();
    messages.publish(message(3));
    events.changed("c1", [3], { chatId: "c1", keyId: 2, version: 2, rotationDue: false });
    await changed;
    assert.deepEqual(arrivals, ["message 3", "chatChanged"]);
  });
});
