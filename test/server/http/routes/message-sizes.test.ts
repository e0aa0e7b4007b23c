import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import { startTestServer, type TestServer } from "../../../support/server.ts";

const base64Of = (bytes: number) => Buffer.alloc(bytes, 5).toString("base64");

describe("message field sizes and page bytes", () => {
  let server: TestServer;
  let user: ChatUser;
  let chat: string;
  /** Ids of the big messages of the paging chat, in the order sent. */
  const sent: number[] = [];
  let pagingChat: string;

  const send = (target: string, fields: Record<string, unknown>) =>
    server.post("/api/sendMessage/", {
      token: user.token,
      chat: target,
      cid: user.cid,
      text: base64Of(16),
      ...fields,
    });
  const page = async (extra: Record<string, unknown>) =>
    (await call<Message[]>(server, "/api/messages/", { token: user.token, chat: pagingChat, ...extra })).map(
      (message) => message.id,
    );

  before(async () => {
    server = await startTestServer({
      env: { ...chatServerEnv, CERTCHAT_MAX_CMS_BYTES: "2KiB", CERTCHAT_MAX_PAGE_BYTES: "20KiB" },
    });
    user = await chatUser(server);
    const group = (name: string) =>
      call<Contact>(server, "/api/createChat/", {
        token: user.token,
        type: 1,
        name,
        keys: keysFor(newChatKey(), [user]),
      });
    chat = (await group("sizes")).chatId as string;
    pagingChat = (await group("paging")).chatId as string;
    // Seven messages of about 6 KiB of fields each: three fit a 20 KiB page.
    for (let i = 0; i < 7; i++) {
      const reply = await send(pagingChat, { text: base64Of(4 * 1024), cms: base64Of(512) });
      assert.equal(reply.body.success, true, reply.body.error);
      sent.push((reply.body.data as Message).id);
    }
  });
  after(async () => server.close());

  test("a cms of CERTCHAT_MAX_CMS_BYTES is stored", async () => {
    const reply = await send(chat, { cms: base64Of(2048) });
    assert.equal(reply.body.success, true, reply.body.error);
  });

  test("a cms over CERTCHAT_MAX_CMS_BYTES is DataError", async () => {
    assert.deepEqual((await send(chat, { cms: base64Of(2049) })).body, {
      success: false,
      error: "DataError",
    });
  });

  test("a cms far over the limit is DataError before it is decoded", async () => {
    assert.deepEqual((await send(chat, { cms: "!".repeat(64 * 1024) })).body, {
      success: false,
      error: "DataError",
    });
  });

  test("a message sign over 1,400 base64 characters is InvalidSchema", async () => {
    assert.deepEqual((await send(chat, { sign: base64Of(1100) })).body, {
      success: false,
      error: "InvalidSchema",
    });
  });

  test("the latest page stops at CERTCHAT_MAX_PAGE_BYTES with the newest messages", async () => {
    assert.deepEqual(await page({}), sent.slice(4));
  });

  test("paging back from the first id and forward from the last finds every message once, in order", async () => {
    const collected = await page({});
    for (;;) {
      const before = await page({ id: collected[0], rel: "prev" });
      if (before.length === 0) break;
      collected.unshift(...before);
    }
    assert.deepEqual(collected, sent);
    const forward: number[] = [];
    for (let last = 0; ; ) {
      const after = await page({ id: last, rel: "next" });
      if (after.length === 0) break;
      forward.push(...after);
      last = after.at(-1) as number;
    }
    assert.deepEqual(forward, sent);
  });

  test("a next page stops at the limit with the messages right after the anchor", async () => {
    assert.deepEqual(await page({ id: 0, rel: "next" }), sent.slice(0, 3));
  });
});
