import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import type { Message, ResumeData } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { closeAll, connectV4, request, textMessage } from "../../support/sockets.ts";

/**
 * Red-team probes of `resume` (docs/API.md "resume"): what one event makes the server do once its answer is full.
 */
describe("red-team probe: resume past its page budget", () => {
  let server: TestServer;
  let alice: ChatUser;
  const sockets: Socket[] = [];

  const group = async (name: string) =>
    (
      await call<Contact>(server, "/api/createChat/", {
        token: alice.token,
        type: 1,
        name,
        keys: keysFor(newChatKey(), [alice]),
      })
    ).chatId as string;
  const send = async (chat: string, text: string) =>
    (
      await call<Message>(server, "/api/sendMessage/", {
        token: alice.token,
        ...textMessage(alice, chat, text),
      })
    ).id;

  before(async () => {
    // A page budget of 20 KiB: three messages of ~5.7 KiB fit, with ~3 KiB left, and not four.
    server = await startTestServer({ env: { ...chatServerEnv, CERTCHAT_MAX_PAGE_BYTES: "20KiB" } });
    alice = await chatUser(server, "Алисова Алиса Петровна");
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  test("a chat after a page cut at the budget answers none and more, even when its message would fit what is left", async () => {
    const big = await group("большая");
    const small = await group("маленькая");
    for (let i = 0; i < 4; i++) await send(big, `${i}${"ж".repeat(1_900)}`);
    await send(small, "к");
    const socket = await connectV4(server.url, { token: alice.token });
    sockets.push(socket);
    const answer = await request(socket, "resume", {
      chats: [
        { chat: big, id: 0 },
        { chat: small, id: 0 },
      ],
    });
    assert.equal(answer.success, true, answer.error);
    const [bigPart, smallPart] = (answer.data as ResumeData).chats as {
      chat: string;
      messages: Message[];
      more: boolean;
    }[];
    assert.equal(bigPart?.more, true, "the first page is cut at the budget");
    assert.equal(bigPart?.messages.length, 3);
    // docs/API.md: "a page that would pass the budget stops there (more: true), and the chats after it answer
    // messages: [], more: true" — each chat after the cut is not read (one page query of up to 51 rows each).
    assert.deepEqual(smallPart, { chat: small, messages: [], more: true });
  });
});
