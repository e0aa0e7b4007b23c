import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatApiError } from "../../src/client/api.ts";
import { type CatchUpFailure, CertchatSocket } from "../../src/client/socket.ts";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import { failCatchUp } from "../support/catch-up.ts";
import { chatServerEnv } from "../support/chats.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { eventually } from "../support/sockets.ts";
import { backends } from "../support/storage.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { type SdkUser, sdkUser } from "./support.ts";

/** Fast retries, so that a test needs no more than a few short delays. */
const QUICK_RETRY = { attempts: 50, firstDelayMs: 20, maxDelayMs: 100 };

for (const backend of backends) {
  describe(`SDK socket catch-up after a reconnect [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let sender: SdkUser;
    let listener: SdkUser;

    before(async () => {
      server = await startTestServer({ env: chatServerEnv, backend });
      sender = await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович");
      listener = await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна");
    });
    after(() => server.close());

    /** A listener socket through `proxy`, subscribed to `chat`, recording what it delivers and what fails. */
    async function subscribed(proxy: TcpProxy, chat: string, ackTimeoutMs = 5_000) {
      const socket = new CertchatSocket({
        server: await proxy.start(),
        token: listener.messenger.api.token ?? "",
        ackTimeoutMs,
        // A fast link: an unanswered resume times out after the ack timeout alone.
        minTransferBytesPerSecond: 1024 ** 4,
        catchUpRetry: QUICK_RETRY,
      });
      const received: Message[] = [];
      const failures: CatchUpFailure[] = [];
      socket.onMessage((message) => received.push(message));
      socket.onCatchUpFailure((failure) => failures.push(failure));
      await socket.connect();
      await socket.subscribe(chat);
      // Only what fails from here on (on a loaded machine even this first catch-up may have needed a retry).
      failures.splice(0);
      return { socket, received, failures };
    }

    it("a catch-up whose first attempt fails (ack timeout) is tried again and delivers the gap", {
      skip:
        backend.name === "sqlite" &&
        "holds up the membership read with a table lock: SQLite's WAL readers cannot be held up",
    }, async () => {
      const group = await sender.messenger.createGroup("Повтор догонки", [listener.phone]);
      const chat = group.chatId as string;
      const proxy = new TcpProxy(new URL(server.url));
      const { socket, received, failures } = await subscribed(proxy, chat, 300);
      try {
        proxy.pause();
        const gap = [
          await sender.messenger.sendText(chat, "пока не было связи 1"),
          await sender.messenger.sendText(chat, "пока не было связи 2"),
        ];
        await failCatchUp(
          server,
          () => proxy.resume(),
          () => failures.length > 0,
        );
        await eventually(() => received.length >= gap.length, "the gap's messages", 15_000);
        assert.deepEqual(
          received.map((message) => message.id),
          gap.map((message) => message.id),
        );
        assert.deepEqual(
          failures.map(({ chat: failed, attempt, retrying }) => ({ failed, attempt, retrying })).slice(0, 1),
          [{ failed: chat, attempt: 1, retrying: true }],
        );
      } finally {
        socket.close();
        await proxy.stop();
      }
    });

    it("a chat the member was removed from while away: the catch-up gives up at once and says why", async () => {
      const group = await sender.messenger.createGroup("Удалённый участник", [listener.phone]);
      const chat = group.chatId as string;
      const proxy = new TcpProxy(new URL(server.url));
      const { socket, failures } = await subscribed(proxy, chat);
      try {
        proxy.pause();
        await sender.messenger.membership.remove(chat, listener.phone);
        proxy.resume();
        await eventually(() => failures.length > 0, "the refused catch-up", 15_000);
        assert.equal(failures.length, 1);
        const [failure] = failures;
        assert.equal(failure?.retrying, false);
        assert.ok(failure.error instanceof CertchatApiError);
        assert.equal(failure.error.code, "GetChatsError");
      } finally {
        socket.close();
        await proxy.stop();
      }
    });
  });
}
