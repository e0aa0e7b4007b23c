import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { io, type Socket } from "socket.io-client";
import WebSocket from "ws";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import {
  type AnySocket,
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  emitWithAckArgs,
  nextEvent,
  request,
  textMessage,
} from "../../support/sockets.ts";

/** A text message whose payload is well over the 4 KiB pre-session budget of these tests. */
function bigText(from: ChatUser, chat: string, localId: number): Record<string, unknown> {
  return { ...textMessage(from, chat, "x".repeat(16 * 1024)), localId };
}

describe("sockets before their session", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;
  const sockets: AnySocket[] = [];
  const track = <T extends AnySocket>(socket: T): T => {
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    server = await startTestServer({
      env: { ...chatServerEnv, CERTCHAT_SOCKET_PREAUTH_BYTES: "4KiB", CERTCHAT_SOCKET_AUTH_TIMEOUT: "1s" },
    });
    alice = await chatUser(server, "Алексеева Алиса Игоревна");
    const bob = await chatUser(server, "Борисов Борис Петрович");
    chat = await chatBetween(server, alice, bob);
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  test("a socket without a session that sends more than CERTCHAT_SOCKET_PREAUTH_BYTES is disconnected", async () => {
    const socket = track(await connectV4(server.url));
    const disconnected = nextEvent(socket, "disconnect");
    socket.emit("sendMessage", bigText(alice, chat, 1), () =>
      assert.fail("an event over the budget was answered"),
    );
    assert.equal(await disconnected, "transport close");
  });

  test("a socket that sends no session within CERTCHAT_SOCKET_AUTH_TIMEOUT is disconnected", async () => {
    const socket = track(await connectV4(server.url));
    assert.equal(await nextEvent(socket, "disconnect", 10_000), "transport close");
  });

  test("a socket with a session stays past CERTCHAT_SOCKET_AUTH_TIMEOUT", async () => {
    const signedIn = track(await connectV4(server.url, { token: alice.token }));
    const anonymous = track(await connectV4(server.url));
    // Barrier: the anonymous socket, connected after the signed-in one, is dropped by the timeout.
    await nextEvent(anonymous, "disconnect", 10_000);
    assert.deepEqual(await request(signedIn, "subscribe", chat), { success: true, data: chat });
  });

  test("sends emitted right after `session`, over the budget, are held until the token is valid and acked", async () => {
    const socket = track(await connectV2(server.url));
    const session = emitWithAckArgs(socket, "session", alice.token);
    const first = request(socket, "sendMessage", bigText(alice, chat, 11));
    const second = request(socket, "sendMessage", bigText(alice, chat, 12));
    assert.equal(((await session)[0] as { success: boolean }).success, true);
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.success, true, a.error);
    assert.equal(b.success, true, b.error);
    assert.ok((a.data as { id: number }).id < (b.data as { id: number }).id, "held sends keep their order");
  });

  test("a send over the budget right after a handshake token is acked", async () => {
    const socket: Socket = track(await connectV4(server.url, { token: alice.token }));
    const ack = await request(socket, "sendMessage", bigText(alice, chat, 21));
    assert.equal(ack.success, true, ack.error);
  });

  test("a websocket frame over the budget from a connection without a session is refused before it is read", async () => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    ws.on("message", (data: WebSocket.RawData) => {
      if (data.toString().startsWith("0"))
        ws.send(`42["messages",${JSON.stringify({ pad: "x".repeat(16 * 1024) })}]`);
    });
    ws.on("error", () => undefined);
    assert.equal(await closed, 1009, "closed as 'message too big'");
  });

  test("a CONNECT to an unknown namespace does not lift the budget of a connection without a session", async () => {
    const ws = new WebSocket(`${server.url.replace("http", "ws")}/socket.io/?EIO=4&transport=websocket`);
    const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
    ws.on("message", (data: WebSocket.RawData) => {
      const text = data.toString();
      if (text.startsWith("0{")) ws.send("40/nope,");
      // The namespace's refusal, then a frame over the budget.
      if (text.startsWith("44/nope,"))
        ws.send(`42["messages",${JSON.stringify({ pad: "x".repeat(16 * 1024) })}]`);
    });
    ws.on("error", () => undefined);
    assert.equal(await closed, 1009, "closed as 'message too big'");
  });

  test("a polling-only socket with a session sends over the budget", async () => {
    const socket = track(
      io(server.url, {
        forceNew: true,
        reconnection: false,
        transports: ["polling"],
        auth: { token: alice.token },
      }),
    );
    await nextEvent(socket, "connect");
    const ack = await request(socket, "sendMessage", bigText(alice, chat, 41));
    assert.equal(ack.success, true, ack.error);
  });

  test("what follows a refused `session` is dropped with the connection", async () => {
    const socket = track(await connectV2(server.url));
    const disconnected = nextEvent(socket, "disconnect");
    const session = emitWithAckArgs(socket, "session", "99b082c6-979b-4646-9e85-60f30b1c37a7");
    socket.emit("sendMessage", bigText(alice, chat, 31), () =>
      assert.fail("a send after a refused session was answered"),
    );
    assert.deepEqual((await session)[0], { success: false, error: "NeedAuthentication" });
    assert.equal(await disconnected, "io server disconnect");
  });
});
