import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { ChatEventPublisher } from "../../../src/server/realtime/chat-event-publisher.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { EmissionOrder } from "../../../src/server/realtime/emission-order.ts";
import { SocketMessagePublisher } from "../../../src/server/realtime/socket-publisher.ts";
import { emissionOrder, liveMessage, profileAndChatRooms, roomServer } from "../../support/live-events.ts";
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

  test("later emits go in the same turn: before an immediate queued ahead of them", async () => {
    const order = emissionOrder();
    const done: string[] = [];
    setImmediate(() => done.push("next turn"));
    order.later(() => done.push("message"));
    await nextTurn();
    assert.deepEqual(done, ["message", "next turn"]);
  });

  test("later emits go after the promise continuations of their moment (the senders' acks)", async () => {
    const order = emissionOrder();
    const done: string[] = [];
    // Announced from an I/O callback (not from a continuation), the ack a few continuations later.
    setImmediate(() => {
      order.later(() => done.push("message"));
      void Promise.resolve()
        .then(() => undefined)
        .then(() => undefined)
        .then(() => done.push("ack"));
    });
    await nextTurn();
    await nextTurn();
    assert.deepEqual(done, ["ack", "message"]);
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

/** Both publishers sharing one order on a server whose sockets joined their profile's room and chat c1's. */
describe("live messages and chat events in publish order", () => {
  let io: CertchatIo;
  let url: string;
  const sockets: AnySocket[] = [];

  before(async () => {
    ({ io, url } = await roomServer(profileAndChatRooms));
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
    messages.publish(liveMessage(1, { pid: 2, cid: 2 }));
    events.removed("c1", 1, { chatId: "c1", reason: "removed", by: 2 });
    messages.publish(liveMessage(2, { pid: 2, cid: 2 }));
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
    messages.publish(liveMessage(3, { pid: 2, cid: 2 }));
    events.changed("c1", [3], { chatId: "c1", keyId: 2, version: 2, rotationDue: false });
    await changed;
    assert.deepEqual(arrivals, ["message 3", "chatChanged"]);
  });
});
