import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Contact } from "../../../../src/protocol/schemas/chats.ts";
import type { Message } from "../../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../../support/chats.ts";
import { startTestServer, type TestServer } from "../../../support/server.ts";

const text = Buffer.from("ciphertext").toString("base64");

describe("history paging", () => {
  let server: TestServer;
  let user: ChatUser;
  /** Chats holding 0, 1, 50, 51 and 120 messages, with the ids sent to each; every 10th is a file. */
  const chats = new Map<number, { chat: string; ids: number[]; fileIds: number[] }>();

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    user = await chatUser(server);
    for (const size of [0, 1, 50, 51, 120]) {
      const group = await call<Contact>(server, "/api/createChat/", {
        token: user.token,
        type: 1,
        name: `${size} messages`,
        keys: keysFor(newChatKey(), [user]),
      });
      chats.set(size, { chat: group.chatId as string, ids: [], fileIds: [] });
    }
    // Interleaved sends, so ids of one chat are not consecutive.
    for (let i = 0; i < 120; i++) {
      for (const [size, entry] of chats) {
        if (i >= size) continue;
        const isFile = i % 10 === 0;
        const message = await call<Message>(server, "/api/sendMessage/", {
          token: user.token,
          chat: entry.chat,
          cid: user.cid,
          text,
          ...(isFile ? { data: text, type: "pdf" } : {}),
        });
        entry.ids.push(message.id);
        if (isFile) entry.fileIds.push(message.id);
      }
    }
  });
  after(async () => server.close());

  function chatOf(size: number) {
    const entry = chats.get(size);
    if (!entry) throw new Error(`no chat of ${size}`);
    return entry;
  }

  async function page(size: number, extra: Record<string, unknown> = {}): Promise<number[]> {
    const messages = await call<Message[]>(server, "/api/messages/", {
      token: user.token,
      chat: chatOf(size).chat,
      ...extra,
    });
    return messages.map((message) => message.id);
  }

  test("an empty chat has empty pages in every direction", async () => {
    assert.deepEqual(await page(0), []);
    assert.deepEqual(await page(0, { id: 1_000_000, rel: "prev" }), []);
    assert.deepEqual(await page(0, { id: 0, rel: "next" }), []);
    assert.deepEqual(await page(0, { type: "file" }), []);
  });

  test("a chat of one message", async () => {
    const [only] = chatOf(1).ids as [number];
    assert.deepEqual(await page(1), [only]);
    assert.deepEqual(await page(1, { id: only, rel: "prev" }), []);
    assert.deepEqual(await page(1, { id: only, rel: "next" }), []);
    assert.deepEqual(await page(1, { id: only + 1, rel: "prev" }), [only]);
    assert.deepEqual(await page(1, { id: only - 1, rel: "next" }), [only]);
  });

  test("a chat of exactly 50 fits one page", async () => {
    const { ids } = chatOf(50);
    assert.deepEqual(await page(50), ids);
    assert.deepEqual(await page(50, { id: ids[0], rel: "prev" }), []);
    assert.deepEqual(await page(50, { id: 0, rel: "next" }), ids);
    assert.deepEqual(await page(50, { id: ids.at(-1), rel: "next" }), []);
  });

  test("a chat of 51 leaves the first message for the prev page", async () => {
    const { ids } = chatOf(51);
    assert.deepEqual(await page(51), ids.slice(1));
    assert.deepEqual(await page(51, { id: ids[1], rel: "prev" }), ids.slice(0, 1));
    assert.deepEqual(await page(51, { id: ids[0], rel: "next" }), ids.slice(1));
    assert.deepEqual(await page(51, { id: 0, rel: "next" }), ids.slice(0, 50));
  });

  test("a chat of 120 pages back 50, 50, 20 and forward 50, 50, 20", async () => {
    const { ids } = chatOf(120);
    assert.deepEqual(await page(120), ids.slice(70));
    assert.deepEqual(await page(120, { id: ids[70], rel: "prev" }), ids.slice(20, 70));
    assert.deepEqual(await page(120, { id: ids[20], rel: "prev" }), ids.slice(0, 20));
    assert.deepEqual(await page(120, { id: ids[0], rel: "prev" }), []);
    assert.deepEqual(await page(120, { id: 0, rel: "next" }), ids.slice(0, 50));
    assert.deepEqual(await page(120, { id: ids[49], rel: "next" }), ids.slice(50, 100));
    assert.deepEqual(await page(120, { id: ids[99], rel: "next" }), ids.slice(100));
    assert.deepEqual(await page(120, { id: ids.at(-1), rel: "next" }), []);
  });

  test("an id that is no message of the chat is a position: pages around it", async () => {
    const { ids } = chatOf(120);
    const foreign = chatOf(51).ids[30] as number;
    const before = ids.filter((id) => id < foreign);
    assert.deepEqual(await page(120, { id: foreign, rel: "prev" }), before.slice(-50));
    assert.deepEqual(
      await page(120, { id: foreign, rel: "next" }),
      ids.slice(before.length, before.length + 50),
    );
    assert.deepEqual(await page(120, { id: 1_000_000_000, rel: "prev" }), ids.slice(70));
    assert.deepEqual(await page(120, { id: 1_000_000_000, rel: "next" }), []);
  });

  test("type file keeps file messages only, in every direction", async () => {
    const { fileIds } = chatOf(120);
    assert.equal(fileIds.length, 12);
    assert.deepEqual(await page(120, { type: "file" }), fileIds);
    assert.deepEqual(await page(120, { type: "file", id: fileIds[5], rel: "prev" }), fileIds.slice(0, 5));
    assert.deepEqual(await page(120, { type: "file", id: fileIds[5], rel: "next" }), fileIds.slice(6));
    assert.deepEqual(await page(1, { type: "file" }), chatOf(1).fileIds);
  });

  test("pages carry full message objects in ascending order", async () => {
    const messages = await call<Message[]>(server, "/api/messages/", {
      token: user.token,
      chat: chatOf(51).chat,
    });
    const [first] = messages;
    assert.deepEqual(
      Object.keys(first ?? {}).sort(),
      ["chat", "cid", "data", "file", "id", "pid", "sign", "time", "type", "user", "cms", "keyId"].sort(),
    );
    assert.equal(first?.time, Math.floor(server.clock.now / 1000));
  });
});
