import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { ChatEventPublisher } from "../../../src/server/realtime/chat-event-publisher.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { SocketMessagePublisher } from "../../../src/server/realtime/socket-publisher.ts";
import { emissionOrder, liveMessage, profileAndChatRooms, roomServer } from "../../support/live-events.ts";
import { type AnySocket, closeAll, connectV4, nextEvent } from "../../support/sockets.ts";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * Review probe. The publishers are driven as production drives them: MessageService.send (messages.ts) and the
 * socket sendMessage (send-message.ts) do not call publish() when the commit resolves but one immediate later
 * (`setImmediate(() => announce(...))`), and the message takes its place in the EmissionOrder only then. A chat
 * event whose commit resolves in between (same turn, e.g. another PostgreSQL connection's reply read in the same
 * poll phase) finds the order empty and goes at once: the removed member has left the room before the message
 * committed ahead of its removal is emitted, and never gets it.
 */
describe("a message committed before a chat event, announced as MessageService announces", () => {
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

  test("a removed member still gets the message whose commit resolved before its removal was published", async () => {
    const member = await connectV4(`${url}?pid=21`);
    sockets.push(member);
    const arrivals: string[] = [];
    member.on("messages", (m: Message) => arrivals.push(`message ${m.id}`));
    member.on("chatRemoved", () => arrivals.push("chatRemoved"));
    member.on("chatChanged", () => arrivals.push("chatChanged"));
    const { messages, events } = publishers();
    // The message's commit resolved: MessageService schedules its announcement (messages.ts `send`).
    setImmediate(() => messages.publish(liveMessage(21, { pid: 2, cid: 2 })));
    // The removal's commit resolves in the same turn and publishes at once (ChatMembershipService.publishAfter).
    events.removed("c1", 21, { chatId: "c1", reason: "removed", by: 2 });
    await nextTurn(); // the announcement
    await nextTurn(); // the publisher's flush
    // Barrier: a profile-room event sent after everything above went out.
    const barrier = nextEvent(member, "chatChanged");
    events.changed("c1", [21], { chatId: "c1", keyId: 2, version: 2, rotationDue: false });
    await barrier;
    assert.deepEqual(arrivals, ["message 21", "chatRemoved", "chatChanged"]);
  });
});
