import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { chatBetween, closeAll, connectV4, request } from "../../support/sockets.ts";

/**
 * Review probe of the single `onAny` listener (gateway.ts): every event name reaches it, so the names that
 * collide with Object.prototype, EventEmitter's own events or nothing at all must all be MethodNotFound, and the
 * socket must keep working after them.
 */
describe("socket event names the API does not have", () => {
  let server: TestServer;
  let alice: ChatUser;
  let chat: string;
  const sockets: Socket[] = [];

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server, "Алисова Алиса Петровна");
    const bob = await chatUser(server, "Бобров Борис Иванович");
    chat = await chatBetween(server, alice, bob);
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  const odd = [
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "valueOf",
    "__defineGetter__",
    "error",
    "connection",
    "disconnecting ",
    "Subscribe",
    "subscribe\u0000",
    "x".repeat(50_000),
  ];

  test("each odd name, asked with an ack, is answered MethodNotFound and the socket still subscribes", async () => {
    const socket = await connectV4(server.url, { token: alice.token });
    sockets.push(socket);
    for (const name of odd) {
      assert.deepEqual(
        await request(socket, name, chat),
        { success: false, error: "MethodNotFound" },
        name.slice(0, 40),
      );
    }
    assert.deepEqual(await request(socket, "subscribe", chat), { success: true, data: chat });
  });

  test("a numeric event name is answered MethodNotFound", async () => {
    const socket = await connectV4(server.url, { token: alice.token });
    sockets.push(socket);
    assert.deepEqual(await request(socket, 7 as unknown as string, chat), {
      success: false,
      error: "MethodNotFound",
    });
  });

  test("odd names without an ack are dropped, and the next request on the socket is answered", async () => {
    const socket = await connectV4(server.url, { token: alice.token });
    sockets.push(socket);
    for (const name of odd) socket.emit(name, chat);
    socket.emit("subscribe", chat); // an API event without an ack: run, nothing to answer
    assert.deepEqual(await request(socket, "subscribe", chat), { success: true, data: chat });
  });

  test("before a session, an odd name is MethodNotFound too and the socket can still adopt a session", async () => {
    const socket = await connectV4(server.url);
    sockets.push(socket);
    assert.deepEqual(await request(socket, "__proto__", chat), { success: false, error: "MethodNotFound" });
    assert.deepEqual(await request(socket, "session", alice.token), {
      success: true,
      data: { pid: alice.pid },
    });
  });
});
