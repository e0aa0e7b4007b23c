import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { type ChatUser, chatServerEnv, chatUser } from "../../../support/chats.ts";
import { backends, startTestServer, type TestServer } from "../../../support/server.ts";
import { chatBetween, connectV4, request } from "../../../support/sockets.ts";

/**
 * Values JSON carries but a database column cannot: NUL characters (PostgreSQL refuses them in text) and
 * integers beyond bigint. They are malformed input on every backend, never a failed query (CommonError).
 */
for (const backend of backends) {
  describe(`input the database cannot hold [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let chat: string;
    let socket: Socket;
    before(async () => {
      server = await startTestServer({ backend, env: chatServerEnv });
      alice = await chatUser(server, "Алисова Алиса Петровна");
      chat = await chatBetween(server, alice, await chatUser(server, "Бобров Борис Иванович"));
      socket = await connectV4(server.url, { token: alice.token });
    });
    after(async () => {
      socket?.close();
      await server.close();
    });

    const nul = "91ec6ed7-aced-4251-bb01-55debd90ddb6\u0000";
    const huge = 2 ** 63;
    const cases: [string, string, () => Record<string, unknown>][] = [
      ["a chat id with NUL", "/api/messages/", () => ({ chat: nul })],
      ["a chat id with NUL", "/api/sendMessage/", () => ({ chat: nul, cid: alice.cid, text: "AAAA" })],
      ["a chat id with NUL", "/api/file/", () => ({ chat: nul, file: "x" })],
      ["a file id with NUL", "/api/file/", () => ({ chat, file: nul })],
      [
        "a message type with NUL",
        "/api/sendMessage/",
        () => ({ chat, cid: alice.cid, text: "AAAA", type: "p\u0000" }),
      ],
      [
        "a localId with NUL",
        "/api/sendMessage/",
        () => ({ chat, cid: alice.cid, text: "AAAA", localId: "a\u0000" }),
      ],
      [
        "a chat name with NUL",
        "/api/createChat/",
        () => ({ type: 1, name: "a\u0000", keys: [{ pid: alice.pid, cid: alice.cid, key: "AAAA" }] }),
      ],
      ["an anchor id beyond bigint", "/api/messages/", () => ({ chat, id: huge, rel: "prev" })],
      ["a cid beyond bigint", "/api/sendMessage/", () => ({ chat, cid: huge, text: "AAAA" })],
      ["a code id beyond bigint", "/api/confirmPhone/", () => ({ id: huge, code: "123456" })],
      [
        "key ids beyond bigint",
        "/api/createChat/",
        () => ({ type: 1, name: "x", keys: [{ pid: huge, cid: huge, key: "AAAA" }] }),
      ],
    ];
    for (const [what, path, body] of cases) {
      test(`${path} with ${what} is InvalidSchema`, async () => {
        const reply = await server.post(path, { token: alice.token, ...body() });
        assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
      });
    }

    for (const [path, body] of [
      ["/api/confirmPhone/", { id: "Infinity", code: "123456" }],
      ["/api/messages/", { id: "1e999", rel: "prev" }],
      ["/api/sendMessage/", { cid: "-Infinity", text: "AAAA" }],
    ] as const) {
      test(`${path} with a form value coerced to an infinite number is InvalidSchema`, async () => {
        const form = { token: alice.token, chat, ...body };
        const reply = await server.post(path, form, { form: true });
        assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
      });
    }

    test("an extra field nested 20,000 deep is ignored like any extra field, not a CommonError", async () => {
      const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
      const reply = await server.post("/api/profile/", `{"token":"${alice.token}","extra":${deep}}`);
      assert.equal(reply.body.success, true);
    });

    test("socket events with an infinite number as a string are InvalidSchema", async () => {
      const page = { chat, id: "Infinity", rel: "prev" };
      assert.deepEqual(await request(socket, "messages", page), { success: false, error: "InvalidSchema" });
    });

    test("a token with NUL is an unknown token (NeedAuthentication), in a body or on a socket", async () => {
      const reply = await server.post("/api/profile/", { token: "a\u0000b" });
      assert.deepEqual(reply.body, { success: false, error: "NeedAuthentication" });
      const confirm = await server.post("/api/confirmAuth/", { token: "a\u0000b", sign: "AAAA" });
      assert.deepEqual(confirm.body, { success: false, error: "NeedAuthentication" });
      const refused = await connectV4(server.url, { token: "a\u0000b" }).catch(
        (error: { data?: unknown }) => error,
      );
      assert.deepEqual((refused as { data?: unknown }).data, { success: false, error: "NeedAuthentication" });
    });

    test("socket events with a chat id or localId holding NUL are InvalidSchema", async () => {
      assert.deepEqual(await request(socket, "subscribe", nul), { success: false, error: "InvalidSchema" });
      assert.deepEqual(await request(socket, "messages", { chat: nul }), {
        success: false,
        error: "InvalidSchema",
      });
      const send = { chat, cid: alice.cid, text: "AAAA", localId: "a\u0000" };
      assert.deepEqual(await request(socket, "sendMessage", send), {
        success: false,
        error: "InvalidSchema",
      });
    });
  });
}
