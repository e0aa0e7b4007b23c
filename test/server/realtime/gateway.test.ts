import assert from "node:assert/strict";
import { test } from "node:test";
import { io, type Socket } from "socket.io-client";
import { chatServerEnv, chatUser } from "../../support/chats.ts";
import { startTestServer } from "../../support/server.ts";
import { connectV2, connectV4, nextEvent, request } from "../../support/sockets.ts";

test("closing the server ends every socket's transport, so clients reconnect (elsewhere) instead of staying away", async () => {
  const server = await startTestServer({ env: chatServerEnv });
  const alice = await chatUser(server, "Алисова Алиса Петровна");
  const current = await connectV4(server.url, { token: alice.token });
  const legacy = await connectV2(server.url);
  try {
    assert.deepEqual(await request(legacy, "session", alice.token), {
      success: true,
      data: { pid: alice.pid },
    });
    const currentReason = nextEvent(current, "disconnect");
    const legacyReason = nextEvent(legacy, "disconnect");
    await server.close();
    assert.equal(await currentReason, "transport close");
    assert.equal(await legacyReason, "transport close");
  } finally {
    current.close();
    legacy.close();
  }
});

test("a client connecting while a closing node spreads its sockets' closes is told to reconnect, not refused for good", async () => {
  // One socket closed per 100 ms: the spread of the sockets below lasts about a second. A connection refused in
  // a middleware ("server shutting down") is never retried by socket.io-client: that client stayed offline.
  const server = await startTestServer({ env: { CERTCHAT_DRAIN_SOCKETS_PER_SECOND: "1" } });
  const sockets: Socket[] = [];
  const late = io(server.url, { forceNew: true, autoConnect: false, reconnectionDelay: 100 });
  try {
    for (let i = 0; i < 10; i++) sockets.push(await connectV4(server.url));
    const spreading = new Promise((resolve) => sockets[0]?.once("disconnect", resolve));
    const closing = server.close();
    await spreading;
    const outcome = new Promise<string>((resolve) => {
      late.once("connect_error", (error) => resolve(`connect_error: ${error.message}`));
      late.once("disconnect", (reason) => resolve(`disconnect: ${reason}`));
      late.once("connect", () => resolve("connect"));
    });
    late.connect();
    const seen = await outcome;
    await closing;
    assert.deepEqual(
      { seen, reconnecting: late.active },
      { seen: "disconnect: transport close", reconnecting: true },
    );
  } finally {
    late.close();
    for (const socket of sockets) socket.close();
  }
});

test("the banner line names a single node without Redis", async () => {
  const server = await startTestServer();
  try {
    assert.equal(server.server.settings.realtime, "socket.io (single node)");
  } finally {
    await server.close();
  }
});
