import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatSocket } from "../../src/client/socket.ts";
import { chatServerEnv } from "../support/chats.ts";
import { EventRelay, tally } from "../support/event-relay.ts";
import { startTestServer, type TestServer } from "../support/server.ts";
import { groupsWith, type SdkUser, sdkUser } from "./support.ts";

/**
 * A slow link: answers that take longer than the ack timeout, but not longer than their bytes take at the
 * slowest rate the SDK is told to wait for, are awaited rather than asked again.
 */
describe("SDK socket on a slow link", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;
  let chat: string;
  const relays: EventRelay[] = [];

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    sender = await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович");
    listener = await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна");
    [chat] = (await groupsWith(sender, listener, 1, "Медленная связь")) as [string];
  });
  after(async () => {
    for (const relay of relays) await relay.stop();
    await server.close();
  });

  /**
   * A socket of `user` through a relay that holds the acks of `delays`' events; 200 ms ack timeout, and the
   * slowest link waited for 16 KiB/s: a 20,000-letter text (about 54 KiB of event) is waited for about 3.4 s
   * more, a resume (the 8 MiB page budget) for about 8.5 minutes more — margins a loaded machine cannot eat.
   */
  async function slowSocket(user: SdkUser, delays: Record<string, number>) {
    const relay = new EventRelay(server.url, [], delays);
    relays.push(relay);
    const socket = new CertchatSocket({
      server: await relay.start(),
      token: user.messenger.api.token ?? "",
      ackTimeoutMs: 200,
      minTransferBytesPerSecond: 16 * 1024,
    });
    await socket.connect();
    return { relay, socket };
  }

  // Before the allowance, each attempt timed out and was sent again, behind the last, for good.
  it("a send acked after its ack timeout but within its bytes' transfer time is sent once", {
    timeout: 20_000,
  }, async () => {
    const { relay, socket } = await slowSocket(sender, { sendMessage: 1_000 });
    try {
      const stored = await socket.sendMessage({
        ...(await sender.messenger.prepareText(chat, "ж".repeat(20_000))),
        localId: "slow-link-1",
      });
      assert.equal(stored.localId, "slow-link-1");
      assert.deepEqual(tally(relay.events), { sendMessage: 1 });
    } finally {
      socket.close();
    }
  });

  it("a resume answered after the ack timeout but within a page budget's transfer time is sent once", {
    timeout: 20_000,
  }, async () => {
    const { relay, socket } = await slowSocket(listener, { resume: 1_000 });
    try {
      await socket.subscribe(chat, 0);
      assert.equal(tally(relay.events).resume, 1, `events: ${relay.events.join(", ")}`);
    } finally {
      socket.close();
    }
  });
});
