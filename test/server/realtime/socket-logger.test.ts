import assert from "node:assert/strict";
import { test } from "node:test";
import { ApiError } from "../../../src/protocol/errors.ts";
import { attempt } from "../../../src/server/realtime/answer.ts";
import type { CertchatSocket, RealtimeContext } from "../../../src/server/realtime/context.ts";
import { socketContext } from "../../../src/server/realtime/socket-logger.ts";
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

test("a socket's child logger is made when an event of it first logs, not for events that succeed", async () => {
  const { logger } = capturingLogger();
  let children = 0;
  const makeChild = logger.child.bind(logger);
  logger.child = ((...args: Parameters<typeof logger.child>) => {
    children++;
    return makeChild(...args);
  }) as typeof logger.child;
  const socket = { id: "socket-1", data: {} } as unknown as CertchatSocket;
  const context = socketContext({ logger } as unknown as RealtimeContext, socket);
  assert.deepEqual(await attempt(context, "subscribe", async () => "ok"), { ok: true, value: "ok" });
  assert.equal(children, 0);
  const refuse = async () => {
    throw new ApiError("GetChatsError");
  };
  await attempt(context, "subscribe", refuse);
  await attempt(context, "subscribe", refuse);
  assert.equal(children, 1);
});
