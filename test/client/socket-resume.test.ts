import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type CatchUpFailure, CertchatSocket } from "../../src/client/socket.ts";
import type { Message } from "../../src/protocol/schemas/messages.ts";
import { EventRelay, tally } from "../support/event-relay.ts";
import type { TestServer } from "../support/server.ts";
import { eventually } from "../support/sockets.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";
import { groupsWith, pagedChat, type SdkUser } from "./support.ts";

/** Fast retries, so that a test needs no more than a few short delays. */
const QUICK_RETRY = { attempts: 50, firstDelayMs: 20, maxDelayMs: 100 };

describe("SDK socket resume after a reconnect", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;
  const cleanups: (() => Promise<void> | void)[] = [];

  before(async () => {
    // A page budget of 20 KiB: a few large messages overflow one answer.
    ({ server, sender, listener } = await pagedChat());
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await server.close();
  });

  /**
   * A listener socket through a relay (refusing `refused`, as an older server does) behind a proxy that cuts
   * the connection, subscribed to `chats`, recording what it delivers.
   */
  async function listening(refused: string[], chats: string[]) {
    const relay = new EventRelay(server.url, refused);
    const proxy = new TcpProxy(new URL(await relay.start()));
    const socket = new CertchatSocket({
      server: await proxy.start(),
      token: listener.messenger.api.token ?? "",
      catchUpRetry: QUICK_RETRY,
    });
    cleanups.push(
      () => socket.close(),
      () => proxy.stop(),
      () => relay.stop(),
    );
    const received: Message[] = [];
    const failures: CatchUpFailure[] = [];
    socket.onMessage((message) => received.push(message));
    socket.onCatchUpFailure((failure) => failures.push(failure));
    await socket.connect();
    for (const chat of chats) await socket.subscribe(chat);
    return { relay, proxy, received, failures };
  }

  /** Cuts the connection, sends `perChat` texts into each chat meanwhile, lets the socket back; the sent ids. */
  async function whileAway(
    proxy: TcpProxy,
    relay: EventRelay,
    chats: string[],
    texts: string[],
  ): Promise<number[]> {
    proxy.pause();
    const sent: number[] = [];
    for (const chat of chats)
      for (const text of texts) sent.push((await sender.messenger.sendText(chat, text)).id);
    relay.events.splice(0);
    proxy.resume();
    return sent;
  }

  it("a new server: one resume for all the socket's chats delivers each chat's gap once", async () => {
    const chats = await groupsWith(sender, listener, 2, "Возврат");
    const { relay, proxy, received, failures } = await listening([], chats);
    const sent = await whileAway(proxy, relay, chats, ["пока не было связи 1", "пока не было связи 2"]);
    await eventually(() => received.length >= sent.length, "the gap's messages", 15_000);
    assert.deepEqual(
      received.map((message) => message.id).sort((a, b) => a - b),
      sent,
    );
    assert.deepEqual(relay.events, ["resume"]);
    assert.deepEqual(failures, []);
  });

  it("an older server (resume answered MethodNotFound): subscribe and messages per chat, until an empty page, deliver each chat's gap once", async () => {
    const chats = await groupsWith(sender, listener, 2, "Возврат");
    const { relay, proxy, received, failures } = await listening(["resume"], chats);
    const sent = await whileAway(proxy, relay, chats, ["пока не было связи 1", "пока не было связи 2"]);
    await eventually(() => received.length >= sent.length, "the gap's messages", 15_000);
    // Each chat's closing empty page is asked for after its messages were delivered: the barrier for the tally.
    await eventually(() => (tally(relay.events).messages ?? 0) >= 4, "each chat's closing page", 15_000);
    assert.deepEqual(
      received.map((message) => message.id).sort((a, b) => a - b),
      sent,
    );
    assert.deepEqual(tally(relay.events), { resume: 1, subscribe: 2, messages: 4 });
    assert.deepEqual(failures, []);
  });

  for (const [kind, refused] of [
    ["a new server", []],
    ["an older server", ["resume"]],
  ] as const)
    it(`${kind}, pages cut at the byte budget: the gap is paged with messages until an empty page, in order`, async () => {
      const [chat] = await groupsWith(sender, listener, 1, "Возврат");
      const { relay, proxy, received, failures } = await listening([...refused], [chat as string]);
      const large = "ж".repeat(4_000);
      const sent = await whileAway(
        proxy,
        relay,
        [chat as string],
        [1, 2, 3, 4].map((i) => `${i}${large}`),
      );
      await eventually(() => received.length >= sent.length, "the gap's messages", 15_000);
      assert.deepEqual(
        received.map((message) => message.id),
        sent,
      );
      assert.equal(relay.events[0], "resume");
      assert.ok(relay.events.includes("messages"), `events: ${relay.events.join(", ")}`);
      assert.deepEqual(failures, []);
    });
});
