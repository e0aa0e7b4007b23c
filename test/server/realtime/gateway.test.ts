import assert from "node:assert/strict";
import { test } from "node:test";
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

test("the banner line names a single node without Redis", async () => {
  const server = await startTestServer();
  try {
    assert.equal(server.server.settings.realtime, "socket.io (single node)");
  } finally {
    await server.close();
  }
});
