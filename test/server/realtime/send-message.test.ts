import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call } from "../../support/chats.ts";
import type { TestServer } from "../../support/server.ts";
import {
  eventually,
  record,
  request,
  type SocketChat,
  startSocketChat,
  textMessage,
} from "../../support/sockets.ts";

describe("socket sendMessage and live delivery (Socket.IO 4 clients)", () => {
  let fixture: SocketChat;
  let server: TestServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let chat: string;
  const open = (token: string) => fixture.open(token);

  before(async () => {
    fixture = await startSocketChat();
    ({ server, alice, bob, chat } = fixture);
  });
  after(() => fixture.close());

  test("the ack carries one envelope with the stored message and localId; every other subscribed socket, the sender's other one included, gets it without localId", async () => {
    const aliceSending = await open(alice.token);
    const aliceOther = await open(alice.token);
    const bobSocket = await open(bob.token);
    for (const socket of [aliceSending, aliceOther, bobSocket]) {
      assert.deepEqual(await request(socket, "subscribe", chat), { success: true, data: chat });
    }
    const atSender = record(aliceSending, "messages");
    const atOther = record(aliceOther, "messages");
    const atBob = record(bobSocket, "messages");

    const ack = await request(aliceSending, "sendMessage", {
      ...textMessage(alice, chat, "hello"),
      localId: 17,
    });
    assert.equal(ack.success, true);
    const stored = ack.data as Message;
    assert.equal(stored.localId, 17);
    assert.equal(stored.chat, chat);
    assert.equal(stored.pid, alice.pid);
    assert.equal(stored.user, alice.name);

    await eventually(
      () => atBob.length === 1 && atOther.length === 1,
      "delivery to Bob and Alice's other socket",
    );
    const { localId: _, ...bare } = stored;
    assert.deepEqual(atBob[0], bare);
    assert.deepEqual(atOther[0], bare);
    assert.equal("localId" in (atBob[0] as object), false);
    // The barrier: a later message from another socket reaches the sender after anything the first caused.
    const barrier = await request(bobSocket, "sendMessage", textMessage(bob, chat, "barrier"));
    const barrierId = (barrier.data as Message).id;
    await eventually(() => atSender.length > 0, "the barrier at the sender");
    assert.deepEqual(
      atSender.map((message) => (message as Message).id),
      [barrierId],
      "the sending socket has its ack, not an event",
    );
  });

  test("a retry with the same localId returns the stored message and announces that same message again", async () => {
    const aliceSocket = await open(alice.token);
    const bobSocket = await open(bob.token);
    await request(aliceSocket, "subscribe", chat);
    await request(bobSocket, "subscribe", chat);
    const atBob = record(bobSocket, "messages");
    const payload = { ...textMessage(alice, chat, "once"), localId: "retry-1" };
    const first = await request(aliceSocket, "sendMessage", payload);
    const second = await request(aliceSocket, "sendMessage", payload);
    assert.deepEqual(second, first);
    // The first announcement may have been lost with a node; clients keep messages by id, so a repeat is safe.
    await eventually(() => atBob.length === 2, "both announcements");
    const sentId = (first.data as { id: number }).id;
    assert.deepEqual(
      atBob.map((message) => (message as { id: number }).id),
      [sentId, sentId],
    );
    const history = await request(bobSocket, "messages", { chat });
    const stored = (history.data as Array<{ id: number }>).filter((message) => message.id === sentId);
    assert.equal(stored.length, 1, "stored once");
  });

  test("a failed send answers its error code and announces nothing", async () => {
    const aliceSocket = await open(alice.token);
    const bobSocket = await open(bob.token);
    await request(bobSocket, "subscribe", chat);
    const atBob = record(bobSocket, "messages");
    const wrongCertificate = await request(aliceSocket, "sendMessage", {
      ...textMessage(alice, chat, "x"),
      cid: bob.cid,
    });
    assert.deepEqual(wrongCertificate, { success: false, error: "InvalidCertificate" });
    const empty = await request(aliceSocket, "sendMessage", { chat, cid: alice.cid, localId: 1 });
    assert.deepEqual(empty, { success: false, error: "InvalidSchema" });
    const notMember = await request(aliceSocket, "sendMessage", textMessage(alice, "no-such-chat", "x"));
    assert.deepEqual(notMember, { success: false, error: "GetChatsError" });
    // The barrier: sent after the failed ones from the same socket, so delivered after anything they caused.
    const barrier = await request(aliceSocket, "sendMessage", textMessage(alice, chat, "barrier"));
    const barrierId = (barrier.data as Message).id;
    await eventually(() => atBob.length > 0, "the barrier at Bob");
    assert.deepEqual(
      atBob.map((message) => (message as Message).id),
      [barrierId],
    );
  });

  test("every malformed payload is answered InvalidSchema and the socket stays usable", async () => {
    const socket = await open(alice.token);
    const bad: Array<[string, unknown]> = [
      ["sendMessage", null],
      ["sendMessage", "text"],
      ["sendMessage", { chat }],
      ["sendMessage", { ...textMessage(alice, chat, "x"), localId: { nested: true } }],
      ["sendMessage", { ...textMessage(alice, chat, "x"), localId: 1.5 }],
      ["sendMessage", { ...textMessage(alice, chat, "x"), text: ["not", "text"] }],
      ["subscribe", ""],
      ["subscribe", { chat }],
      ["unsubscribe", null],
      ["messages", "chat"],
      ["messages", { chat, rel: "sideways" }],
    ];
    for (const [event, payload] of bad) {
      assert.deepEqual(
        await request(socket, event, payload),
        { success: false, error: "InvalidSchema" },
        event,
      );
    }
    assert.deepEqual(await request(socket, "deleteEverything", chat), {
      success: false,
      error: "MethodNotFound",
    });
    assert.deepEqual(await request(socket, "constructor"), { success: false, error: "MethodNotFound" });
    const noPayload = await request(socket, "sendMessage");
    assert.deepEqual(noPayload, { success: false, error: "InvalidSchema" });
    const fine = await request(socket, "sendMessage", textMessage(alice, chat, "still works"));
    assert.equal(fine.success, true);
  });

  test("a message sent over REST is delivered live to subscribed sockets", async () => {
    const aliceSocket = await open(alice.token);
    await request(aliceSocket, "subscribe", chat);
    const atAlice = record(aliceSocket, "messages");
    const sent = await call<Message>(server, "/api/sendMessage/", {
      token: bob.token,
      ...textMessage(bob, chat, "over REST"),
      localId: 5,
    });
    await eventually(() => atAlice.length === 1, "the REST message live");
    const { localId: _, ...bare } = sent;
    assert.deepEqual(atAlice[0], bare);
  });

  test("unsubscribe stops delivery; a send without an ack is stored and delivered", async () => {
    const aliceSocket = await open(alice.token);
    const bobSocket = await open(bob.token);
    await request(bobSocket, "subscribe", chat);
    const atBob = record(bobSocket, "messages");
    aliceSocket.emit("sendMessage", textMessage(alice, chat, "fire and forget"));
    await eventually(() => atBob.length === 1, "the message sent without ack");
    assert.deepEqual(await request(bobSocket, "unsubscribe", chat), { success: true, data: chat });
    await request(aliceSocket, "sendMessage", textMessage(alice, chat, "after unsubscribe"));
    // Announced before its ack: subscribed again after the ack, Bob gets the barrier and not that message.
    await request(bobSocket, "subscribe", chat);
    const barrier = await request(aliceSocket, "sendMessage", textMessage(alice, chat, "barrier"));
    await eventually(() => atBob.length === 2, "the barrier at Bob");
    assert.deepEqual(atBob.map((message) => (message as Message).id).slice(1), [
      (barrier.data as Message).id,
    ]);
  });
});
