import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { chatServerEnv, chatUser } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { connectV4, request } from "../../support/sockets.ts";

/** An event emitted with nothing but its ack callback: the callback must not be taken for the payload. */
describe("socket events without a payload", () => {
  let server: TestServer;
  let anonymous: Socket;
  let authenticated: Socket;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    const alice = await chatUser(server, "Алисова Алиса Петровна");
    anonymous = await connectV4(server.url);
    authenticated = await connectV4(server.url, { token: alice.token });
  });
  after(async () => {
    anonymous?.close();
    authenticated?.close();
    await server.close();
  });

  test("session without a token is InvalidSchema, not CommonError", async () => {
    assert.deepEqual(await request(anonymous, "session"), { success: false, error: "InvalidSchema" });
  });

  for (const event of ["subscribe", "unsubscribe", "sendMessage", "messages"]) {
    test(`${event} without a payload is InvalidSchema`, async () => {
      assert.deepEqual(await request(authenticated, event), { success: false, error: "InvalidSchema" });
    });
  }
});
