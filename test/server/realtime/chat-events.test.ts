import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ChatWaitListEvent } from "../../../src/protocol/events.ts";
import type { WaitEntry } from "../../../src/protocol/schemas/members.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, wrapKey } from "../../support/chats.ts";
import {
  addMembers,
  groupOf,
  nextChatEvent,
  removeMember,
  renew,
  sessionCert,
} from "../../support/membership.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import {
  type AnySocket,
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  eventually,
  record,
  request,
  textMessage,
} from "../../support/sockets.ts";

/**
 * The membership events (docs/API.md "Server → client events") on one real server: each reaches the sockets of
 * the profiles it concerns, of both client generations, whether or not they subscribed to the chat.
 */
describe("chat membership events", () => {
  let server: TestServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  const sockets: AnySocket[] = [];

  /** A Socket.IO 4 socket with the token in its handshake. */
  async function current(user: ChatUser) {
    const socket = await connectV4(server.url, { token: user.token });
    sockets.push(socket);
    return socket;
  }

  /** A socket.io-client 2 socket after its `session` event, as the Android client opens it. */
  async function legacy(user: ChatUser) {
    const socket = await connectV2(server.url);
    sockets.push(socket);
    assert.equal((await request(socket, "session", user.token)).success, true);
    return socket;
  }

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server, "Алисова Алиса Петровна");
    bob = await chatUser(server, "Бобров Борис Иванович");
    carol = await chatUser(server, "Карпова Карина Олеговна");
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  test("createChat: chatAdded reaches every member's sockets of both generations, each with its own role", async () => {
    const [aliceSocket, bobSocket, carolSocket] = [
      await current(alice),
      await current(bob),
      await legacy(carol),
    ];
    const events = [aliceSocket, bobSocket, carolSocket].map((socket) => record(socket, "chatAdded"));
    const { chat } = await groupOf(server, alice, [bob, carol]);
    await eventually(() => events.every((seen) => seen.length === 1), "chatAdded on every socket");
    const added = { chatId: chat, chatType: 1, chatName: "Отдел", keyId: 1, by: alice.pid };
    assert.deepEqual(events[0], [{ ...added, role: "owner" }]);
    assert.deepEqual(events[1], [{ ...added, role: "member" }]);
    assert.deepEqual(events[2], [{ ...added, role: "member" }]);
  });

  test("addMembers: the new member gets chatAdded and chatKeysAdded; the members chatChanged", async () => {
    const { chat, chatKey } = await groupOf(server, alice, [bob]);
    const [bobSocket, carolSocket] = [await current(bob), await legacy(carol)];
    const carolAdded = nextChatEvent(carolSocket, "chatAdded", chat);
    const carolKeys = nextChatEvent(carolSocket, "chatKeysAdded", chat);
    const bobChanged = nextChatEvent(bobSocket, "chatChanged", chat);
    const after = await addMembers(server, alice, chat, chatKey, [carol]);
    assert.deepEqual(await carolAdded, {
      chatId: chat,
      chatType: 1,
      chatName: "Отдел",
      role: "member",
      keyId: 1,
      by: alice.pid,
    });
    assert.deepEqual(await carolKeys, { chatId: chat, keyId: 1, keys: [{ cid: carol.cid, keyId: 1 }] });
    assert.deepEqual(await bobChanged, {
      chatId: chat,
      keyId: 1,
      version: after.version,
      rotationDue: false,
    });
  });

  test("removeMember: the removed member's sockets leave the chat's rooms before chatRemoved; no later message of the chat reaches them", async () => {
    const { chat } = await groupOf(server, alice, [bob, carol]);
    const barrierChat = await chatBetween(server, carol, bob);
    const bobSockets = [await current(bob), await legacy(bob)];
    for (const socket of bobSockets) {
      await request(socket, "subscribe", chat);
      await request(socket, "subscribe", barrierChat);
    }
    const removed = bobSockets.map((socket) => nextChatEvent(socket, "chatRemoved", chat));
    await removeMember(server, alice, chat, bob.pid);
    for (const event of await Promise.all(removed))
      assert.deepEqual(event, { chatId: chat, reason: "removed", by: alice.pid });

    const delivered = [
      record(bobSockets[0] as AnySocket, "messages"),
      record(bobSockets[1] as AnySocket, "message"),
    ];
    await call(server, "/api/sendMessage/", {
      token: carol.token,
      keyId: 2,
      ...textMessage(carol, chat, "after"),
    });
    const barrier = await call<Message>(server, "/api/sendMessage/", {
      token: carol.token,
      ...textMessage(carol, barrierChat, "barrier"),
    });
    await eventually(() => delivered.every((seen) => seen.length === 1), "the barrier message");
    for (const seen of delivered)
      assert.deepEqual(
        (seen as Message[]).map((message) => message.id),
        [barrier.id],
      );
  });

  test("removeMember: the removed member's next subscribe is refused, though it subscribed before (the membership is read at each subscribe)", async () => {
    const { chat } = await groupOf(server, alice, [bob, carol]);
    const bobSocket = await legacy(bob);
    assert.deepEqual(await request(bobSocket, "subscribe", chat), { success: true, data: chat });
    await removeMember(server, alice, chat, bob.pid);
    assert.deepEqual(await request(bobSocket, "subscribe", chat), { success: false, error: "GetChatsError" });
  });

  test("removeMember: the remaining members get chatKeysAdded for the new epoch, then chatChanged", async () => {
    const { chat } = await groupOf(server, alice, [bob, carol]);
    const carolSocket = await current(carol);
    const keys = nextChatEvent(carolSocket, "chatKeysAdded", chat);
    const changed = nextChatEvent(carolSocket, "chatChanged", chat);
    const { after } = await removeMember(server, alice, chat, bob.pid);
    assert.deepEqual(await keys, { chatId: chat, keyId: 2, keys: [{ cid: carol.cid, keyId: 2 }] });
    assert.deepEqual(await changed, { chatId: chat, keyId: 2, version: after.version, rotationDue: false });
  });

  test("leaveChat: the leaver gets chatRemoved (left); the others chatChanged with rotationDue", async () => {
    const { chat } = await groupOf(server, alice, [bob, carol]);
    const [aliceSocket, carolSocket] = [await current(alice), await legacy(carol)];
    const left = nextChatEvent(carolSocket, "chatRemoved", chat);
    const changed = nextChatEvent<{ chatId: string; rotationDue: boolean }>(aliceSocket, "chatChanged", chat);
    await call(server, "/api/leaveChat/", { token: carol.token, chat });
    assert.deepEqual(await left, { chatId: chat, reason: "left", by: carol.pid });
    assert.equal((await changed).rotationDue, true);
  });

  test("setRole: every member gets chatChanged", async () => {
    const { chat } = await groupOf(server, alice, [bob, carol]);
    const bobSocket = await legacy(bob);
    const changed = nextChatEvent(bobSocket, "chatChanged", chat);
    const after = await call<{ version: number }>(server, "/api/setRole/", {
      token: alice.token,
      chat,
      pid: carol.pid,
      role: "admin",
    });
    assert.deepEqual(await changed, { chatId: chat, keyId: 1, version: after.version, rotationDue: false });
  });

  test("a renewed certificate: the members get chatWaitList with it; once fulfilled, its sockets get chatKeysAdded and the wait list empties", async () => {
    const dave = await chatUser(server, "Давыдов Давид Давидович");
    const { chat, chatKey } = await groupOf(server, alice, [dave]);
    const aliceSocket = await current(alice);
    const waiting = nextChatEvent<ChatWaitListEvent>(aliceSocket, "chatWaitList", chat);
    server.clock.advance(61_000); // past the SMS resend interval of the phone Dave registered just now
    const renewed = await renew(server, dave);
    const { waitList, ...rest } = await waiting;
    assert.deepEqual(rest, { chatId: chat, keyId: 1 });
    assert.equal(waitList.length, 1);
    const { since, ...entry } = waitList[0] as WaitEntry;
    assert.deepEqual(entry, {
      pid: dave.pid,
      cid: renewed.cid,
      cert: sessionCert(renewed),
      keyIds: [1],
      wrapWith: null,
      fulfillable: true,
      refused: [],
    });
    assert.equal(typeof since, "number");

    const renewedSocket = await legacy(renewed);
    const keys = nextChatEvent(renewedSocket, "chatKeysAdded", chat);
    const emptied = nextChatEvent(aliceSocket, "chatWaitList", chat);
    await call(server, "/api/chatsKeys/", {
      token: alice.token,
      keys: [
        {
          chatId: chat,
          pid: dave.pid,
          cid: renewed.cid,
          keyId: 1,
          key: wrapKey(chatKey, sessionCert(renewed)),
        },
      ],
    });
    assert.deepEqual(await keys, { chatId: chat, keyId: 1, keys: [{ cid: renewed.cid, keyId: 1 }] });
    assert.deepEqual(await emptied, { chatId: chat, keyId: 1, waitList: [] });
  });
});
