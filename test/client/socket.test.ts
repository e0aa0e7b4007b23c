import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatSocket } from "../../src/client/socket.ts";
import { HISTORY_PAGE_SIZE, type Message } from "../../src/protocol/schemas/messages.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventually } from "../support/sockets.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { type SdkUser, sdkUser } from "./support.ts";

describe("SDK socket client against the real server", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;
  let chat: string;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    sender = await sdkUser(server, "ecdsa-p256", "Иванов Иван Иванович");
    listener = await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович");
    const created = await sender.messenger.chatWith(listener.phone);
    assert.ok(created.chatId);
    chat = created.chatId;
  });
  after(() => server.close());

  it("subscribe with an id catches up from it, then delivers live messages once each", async () => {
    const sent: Message[] = [];
    for (const text of ["первое", "второе", "третье"]) sent.push(await sender.messenger.sendText(chat, text));
    const socket = new CertchatSocket({ server: server.url, token: listener.messenger.api.token ?? "" });
    const received: Message[] = [];
    socket.onMessage((message) => received.push(message));
    try {
      await socket.connect();
      await socket.subscribe(chat, sent[0]?.id);
      const live = await sender.messenger.sendText(chat, "вживую");
      await eventually(() => received.length >= 3, "the caught-up and the live messages");
      assert.deepEqual(
        received.map((message) => message.id),
        [sent[1]?.id, sent[2]?.id, live.id],
      );
    } finally {
      socket.close();
    }
  });

  it("live messages arriving while a catch-up pages through history lose none of the pages' messages", async () => {
    const stored: Message[] = [];
    for (let i = 0; i < 2 * HISTORY_PAGE_SIZE + 10; i++)
      stored.push(await sender.messenger.sendText(chat, `пачка ${i}`));
    const socket = new CertchatSocket({ server: server.url, token: listener.messenger.api.token ?? "" });
    const received: number[] = [];
    socket.onMessage((message) => received.push(message.id));
    try {
      await socket.connect();
      const from = stored[0]?.id ?? 0;
      const catchUp = socket.subscribe(chat, from);
      const live: Message[] = [];
      // Sends during the catch-up: the server's room has the socket from the subscribe ack on.
      while (live.length < 20) live.push(await sender.messenger.sendText(chat, `вживую ${live.length}`));
      await catchUp;
      const expected = [...stored.slice(1), ...live].map((message) => message.id);
      await eventually(() => received.length >= expected.length, "every stored and live message");
      assert.deepEqual(received, expected);
    } finally {
      socket.close();
    }
  });

  it("unsubscribe stops a chat's delivery: a later message of another chat arrives, none of the dropped chat", async () => {
    const group = await sender.messenger.createGroup("Отписка", [listener.phone]);
    assert.ok(group.chatId);
    const socket = new CertchatSocket({ server: server.url, token: listener.messenger.api.token ?? "" });
    const received: string[] = [];
    socket.onMessage((message) => received.push(message.chat));
    let closed = 0;
    socket.onClose(() => {
      closed += 1;
    });
    try {
      await socket.connect();
      await socket.subscribe(chat);
      await socket.subscribe(group.chatId);
      await socket.unsubscribe(group.chatId);
      assert.equal(socket.isSubscribed(group.chatId), false);
      await sender.messenger.sendText(group.chatId, "не для слушателя");
      // The barrier: sent after, delivered on the same socket.
      await sender.messenger.sendText(chat, "барьер");
      await eventually(() => received.includes(chat), "the barrier message");
      assert.deepEqual(received, [chat]);
    } finally {
      socket.close();
    }
    assert.equal(closed, 1);
  });

  it("a lost ack: sendMessage is retried with the same localId and the message is stored once", async () => {
    const proxy = new TcpProxy(new URL(server.url));
    const socket = new CertchatSocket({
      server: await proxy.start(),
      token: sender.messenger.api.token ?? "",
      ackTimeoutMs: 500,
    });
    try {
      await socket.connect();
      proxy.mute();
      const text = "ответ потерян";
      const sending = socket.sendMessage({
        ...(await sender.messenger.prepareText(chat, text)),
        localId: "lost-ack-1",
      });
      const storedCount = async () =>
        (await sender.messenger.history(chat)).filter((read) => read.text === text).length;
      for (let tries = 0; (await storedCount()) === 0; tries++) {
        if (tries > 500) throw new Error("the send never reached the server");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // The ack went nowhere; the client reconnects and its retry is answered with the stored message.
      proxy.pause();
      proxy.resume();
      const stored = await sending;
      assert.equal(stored.localId, "lost-ack-1");
      assert.equal(await storedCount(), 1);
    } finally {
      socket.close();
      await proxy.stop();
    }
  });
});
