import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatSocket, type CertchatSocketOptions } from "../../src/client/socket.ts";
import { HISTORY_PAGE_SIZE, type Message } from "../../src/protocol/schemas/messages.ts";
import { chatServerEnv } from "../support/chats.ts";
import { scrape } from "../support/metrics.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventually, serverHasRead } from "../support/sockets.ts";
import { holdMessageCommits } from "../support/storage.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { type SdkUser, sdkUser } from "./support.ts";

/** The Engine.IO transport under an SDK socket (its socket.io-client socket is private). */
function engineTransportOf(socket: CertchatSocket): string {
  return (socket as unknown as { socket: { io: { engine: { transport: { name: string } } } } }).socket.io
    .engine.transport.name;
}

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
      // Muted only once the connection has moved from polling to its websocket: muted mid-upgrade, the
      // server's answers that finish the upgrade are lost and the client holds every later packet for good.
      await eventually(() => engineTransportOf(socket) === "websocket", "the websocket upgrade");
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

describe("SDK socket sends and the server's bound on a socket's queue", () => {
  // A socket's queued events may hold 64 KiB: three or so of the sends below.
  const env = {
    ...chatServerEnv,
    CERTCHAT_MAX_BODY_BYTES: "64KiB",
    CERTCHAT_SOCKET_QUEUE_BYTES: "64KiB",
    CERTCHAT_MAX_TEXT_BYTES: "16KiB",
  };
  const QUEUE_BYTES = 64 * 1024;
  const COUNT = 12;
  let server: TestServer;
  let sender: SdkUser;
  let chat: string;

  before(async () => {
    server = await startTestServer({ env });
    sender = await sdkUser(server, "ecdsa-p256", "Иванов Иван Иванович");
    const listener = await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович");
    const created = await sender.messenger.chatWith(listener.phone);
    assert.ok(created.chatId);
    chat = created.chatId;
  });
  after(() => server.close());

  const bytesRefusals = async () =>
    (await scrape(server.server.metricsUrl())).value("certchat_rate_limit_refusals_total", {
      limit: "socket_bytes",
    }) ?? 0;

  /** `COUNT` sends of 14,000 characters each (prepared before any lock is taken), labelled `label` and a number. */
  const bigSends = (label: string) =>
    Promise.all(
      Array.from({ length: COUNT }, async (_, seq) => ({
        ...(await sender.messenger.prepareText(chat, `${label}${seq} ${"я".repeat(7_000)}`)),
        localId: `${label}-${seq}`,
      })),
    );

  /**
   * Sends `COUNT` big sends labelled `label` all at once on a new SDK socket while the server's commits are
   * held, so its queue cannot drain; the lock goes once the server has read what the SDK emitted (the SDK's
   * Socket.IO socket is private: reached for this barrier only). The stored messages, and how many sends the
   * server refused on the way.
   */
  async function sendAllWhileHeld(
    label: string,
    window: Pick<CertchatSocketOptions, "maxSendBytesInFlight"> = {},
  ): Promise<{ stored: Message[]; refused: number }> {
    const socket = new CertchatSocket({
      server: server.url,
      token: sender.messenger.api.token ?? "",
      ...window,
    });
    try {
      await socket.connect();
      const sends = await bigSends(label);
      const before = await bytesRefusals();
      const release = await holdMessageCommits(server.storageTarget);
      const sending = sends.map((message) => socket.sendMessage(message));
      // The SDK emits a few promise turns into sendMessage: the barrier must follow those emits.
      await new Promise((resolve) => setImmediate(resolve));
      await serverHasRead((socket as unknown as { socket: Parameters<typeof serverHasRead>[0] }).socket);
      await release();
      const stored = await Promise.all(sending);
      return { stored, refused: (await bytesRefusals()) - before };
    } finally {
      socket.close();
    }
  }

  /** The first words of the chat's latest texts that start with `label`, oldest first. */
  const storedLabels = async (label: string) =>
    (await sender.messenger.history(chat))
      .map((read) => read.text?.split(" ")[0] ?? "")
      .filter((text) => text.startsWith(label));
  const inCallOrder = (label: string) => Array.from({ length: COUNT }, (_, seq) => `${label}${seq}`);

  it("a window no larger than the server's bound never has a send refused: all are stored, in call order", async () => {
    const { stored, refused } = await sendAllWhileHeld("w", { maxSendBytesInFlight: QUEUE_BYTES });
    assert.equal(stored.length, COUNT);
    assert.equal(refused, 0);
    assert.deepEqual(await storedLabels("w"), inCallOrder("w"));
  });

  it("a send refused DataError by the server's bound while others were in flight goes again alone, and all are stored once, in call order", async () => {
    // The default window (32 MiB) is far above this server's 64 KiB.
    const { stored, refused } = await sendAllWhileHeld("r");
    assert.ok(refused > 0, "the server refused some at first");
    assert.equal(new Set(stored.map((message) => message.id)).size, COUNT);
    assert.deepEqual(await storedLabels("r"), inCallOrder("r"));
  });

  it("a send refused DataError for itself (a text over the limit) fails, whatever else is in flight", async () => {
    const socket = new CertchatSocket({ server: server.url, token: sender.messenger.api.token ?? "" });
    try {
      await socket.connect();
      const sends = await bigSends("t");
      const tooLong = {
        ...(await sender.messenger.prepareText(chat, "x".repeat(20_000))),
        localId: "too-long",
      };
      const outcomes = await Promise.allSettled([
        ...sends.slice(0, 2).map((message) => socket.sendMessage(message)),
        socket.sendMessage(tooLong),
        ...sends.slice(2, 4).map((message) => socket.sendMessage(message)),
      ]);
      assert.deepEqual(
        outcomes.map((outcome) =>
          outcome.status === "fulfilled" ? "stored" : (outcome.reason as { code?: string }).code,
        ),
        ["stored", "stored", "DataError", "stored", "stored"],
      );
    } finally {
      socket.close();
    }
  });
});
