import assert from "node:assert/strict";
import { test } from "node:test";
import { chatServerEnv, chatUser } from "../../support/chats.ts";
import { capturingLogger } from "../../support/log-capture.ts";
import { startTestServer } from "../../support/server.ts";
import { connectV4, request } from "../../support/sockets.ts";

test("a socket event's log lines carry the socket id and its session's profile id, never the token", async () => {
  const { logger, lines } = capturingLogger();
  const server = await startTestServer({ env: chatServerEnv, logger });
  const alice = await chatUser(server, "Алисова Алиса Петровна");
  const socket = await connectV4(server.url, { token: alice.token });
  try {
    const refused = await request(socket, "subscribe", "00000000-0000-4000-8000-000000000000");
    assert.equal(refused.error, "GetChatsError");
    const line = lines()
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((record) => record.msg === "socket event refused" && record.event === "subscribe");
    assert.equal(line?.socket, socket.id, JSON.stringify(line));
    assert.equal(line?.profile, alice.pid);
    for (const text of lines()) assert.ok(!text.includes(alice.token), text);
  } finally {
    socket.close();
    await server.close();
  }
});
