import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatApiError, CertchatSocket, type ReadMessage } from "../../src/client/index.ts";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { type SdkUser, sdkUser } from "./support.ts";

async function until<T>(received: T[], count: number): Promise<void> {
  for (let waited = 0; received.length < count; waited += 20) {
    if (waited > 15_000) throw new Error(`only ${received.length} of ${count} messages arrived`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("SDK socket client against the real gateway", () => {
  let server: TestServer;
  let gost: SdkUser;
  let ecdsa: SdkUser;
  let chat: string;

  before(async () => {
    server = await startTestServer({ caAlg: "gost2012-256", env: chatServerEnv });
    gost = await sdkUser(server, "gost2012-256", "Иванов Иван Иванович");
    ecdsa = await sdkUser(server, "ecdsa-p256", "Петров Пётр Петрович");
    const created = await gost.messenger.chatWith(ecdsa.phone);
    assert.ok(created.chatId);
    chat = created.chatId;
  });
  after(() => server.close());

  it("a listener gets REST and socket sends live, decrypted and verified; the sender's ack has its localId", async () => {
    const received: ReadMessage[] = [];
    const listening = await ecdsa.messenger.listen([chat], (read) => received.push(read));
    const sending = new CertchatSocket({ server: server.url, token: gost.messenger.api.token ?? "" });
    await sending.connect();
    try {
      await gost.messenger.sendText(chat, "по REST");
      const acked = await sending.sendMessage({
        ...(await gost.messenger.prepareText(chat, "по сокету")),
        localId: 41,
      });
      assert.equal(acked.localId, 41);
      await until(received, 2);
      assert.deepEqual(
        received.map((read) => [read.text, read.signature, read.message.localId]),
        [
          ["по REST", "verified", undefined],
          ["по сокету", "verified", undefined],
        ],
      );
    } finally {
      listening.close();
      sending.close();
    }
  });

  it("after a dropped connection it subscribes again and catches up; a send made offline goes once", async () => {
    const proxy = new TcpProxy(new URL(server.url));
    const proxyUrl = await proxy.start();
    const token = ecdsa.messenger.api.token ?? "";
    const listener = new CertchatSocket({ server: proxyUrl, token, ackTimeoutMs: 1_000 });
    const received: Message[] = [];
    listener.onMessage((message) => received.push(message));
    await listener.connect();
    await listener.subscribe(chat);
    try {
      proxy.pause();
      await gost.messenger.sendText(chat, "пока вы были офлайн 1");
      await gost.messenger.sendText(chat, "пока вы были офлайн 2");
      const offlineSend = listener.sendMessage({
        ...(await ecdsa.messenger.prepareText(chat, "отправлено офлайн")),
        localId: "offline-1",
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      proxy.resume();
      const stored = await offlineSend;
      assert.equal(stored.localId, "offline-1");
      await until(received, 2);
      await gost.messenger.sendText(chat, "снова онлайн");
      await until(received, 3);
      const texts = [];
      for (const message of received) texts.push((await ecdsa.messenger.read(message)).text);
      assert.deepEqual(texts, ["пока вы были офлайн 1", "пока вы были офлайн 2", "снова онлайн"]);
      const history = await gost.messenger.history(chat);
      assert.equal(history.filter((read) => read.text === "отправлено офлайн").length, 1);
    } finally {
      listener.close();
      await proxy.stop();
    }
  });

  it("an unknown token is refused at connect with its API code", async () => {
    const socket = new CertchatSocket({ server: server.url, token: "00000000-0000-4000-8000-000000000000" });
    await assert.rejects(
      socket.connect(),
      (error: unknown) => error instanceof CertchatApiError && error.code === "NeedAuthentication",
    );
  });
});
