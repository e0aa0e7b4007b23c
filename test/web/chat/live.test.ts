import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatApi } from "../../../src/client/api.ts";
import type { RetryPolicy } from "../../../src/client/retry.ts";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { LiveConnection } from "../../../web/src/chat/live.ts";
import { groupsWith, pagedChat, type SdkUser, sdkUser } from "../../client/support.ts";
import { failCatchUp } from "../../support/catch-up.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { EventRelay, tally } from "../../support/event-relay.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { eventually } from "../../support/sockets.ts";
import { backends } from "../../support/storage.ts";
import { TcpProxy } from "../../support/tcp-proxy.ts";
import { recording, SplitApi } from "./support.ts";

/** Fast retries, so that a test needs no more than a few short delays. */
const QUICK_RETRY = { attempts: 50, firstDelayMs: 20, maxDelayMs: 100 };
/** A link so fast that an 8 MiB answer adds nothing to note to the ack timeout. */
const FAST_LINK = 1024 ** 4;

// A failed catch-up is made by holding up the subscribe's membership read with a table lock: SQLite's WAL
// readers cannot be held up, so these run on PostgreSQL only.
const postgres = backends.find((backend) => backend.name === "postgres");

describe("the web page's live connection after a reconnect", {
  skip: postgres?.skip ?? "no postgres",
}, () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv, backend: postgres });
    sender = await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович");
    listener = await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна");
  });
  after(() => server.close());

  /** The listener's page connection through `proxy`, recording what it delivers, what fails, its states. */
  async function connected(proxy: TcpProxy, retry: Partial<RetryPolicy>) {
    const api = new CertchatApi(await proxy.start(), listener.messenger.api.token);
    const { handlers, received, failures, states } = recording();
    // A fast link: a resume times out after the ack timeout alone, as a lost answer does.
    const live = new LiveConnection(api, handlers, {
      ackTimeoutMs: 300,
      minTransferBytesPerSecond: FAST_LINK,
      catchUpRetry: retry,
    });
    await eventually(() => states.at(-1) === "online", "the connection");
    return { live, received, failures, states };
  }

  /** Watches `chat` from before a first message, and waits for it: the chat is caught up then. */
  async function watched(live: LiveConnection, received: Message[], chat: string, text: string) {
    const count = received.length;
    const first = await sender.messenger.sendText(chat, text);
    live.watch(chat, first.id - 1);
    await eventually(() => received.length > count, "the first catch-up", 15_000);
    return first;
  }

  it("a catch-up whose first attempt fails (ack timeout) is tried again and delivers the gap", async () => {
    const group = await sender.messenger.createGroup("Повтор догонки", [listener.phone]);
    const chat = group.chatId as string;
    const proxy = new TcpProxy(new URL(server.url));
    const { live, received, failures } = await connected(proxy, QUICK_RETRY);
    try {
      await watched(live, received, chat, "до обрыва");
      received.splice(0);
      failures.splice(0);
      proxy.pause();
      const gap = [
        await sender.messenger.sendText(chat, "пока не было связи 1"),
        await sender.messenger.sendText(chat, "пока не было связи 2"),
      ];
      // The reconnect's subscribe reads the membership: held up until the lock goes, its ack times out.
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
      live.close();
      await proxy.stop();
    }
  });

  it("a catch-up that gave up delivers nothing of its chat until the next reconnect fetches the gap", async () => {
    const group = await sender.messenger.createGroup("Догонка сдалась", [listener.phone]);
    const other = await sender.messenger.createGroup("Соседний чат", [listener.phone]);
    const chat = group.chatId as string;
    const barrierChat = other.chatId as string;
    const proxy = new TcpProxy(new URL(server.url));
    const { live, received, failures, states } = await connected(proxy, { attempts: 1 });
    try {
      await watched(live, received, chat, "до обрыва");
      received.splice(0);
      failures.splice(0);
      proxy.pause();
      const gap = await sender.messenger.sendText(chat, "пока не было связи");
      await failCatchUp(
        server,
        () => proxy.resume(),
        () => failures.length > 0,
      );
      assert.deepEqual(
        failures.map(({ chat: failed, attempt, retrying }) => ({ failed, attempt, retrying })),
        [{ failed: chat, attempt: 1, retrying: false }],
      );
      // Another chat, caught up on the same connection, is the barrier: a live message sent to it after one
      // to the stalled chat arrives after that one would have.
      await watched(live, received, barrierChat, "соседний чат");
      const later = await sender.messenger.sendText(chat, "после отказа");
      const barrier = await sender.messenger.sendText(barrierChat, "барьер");
      await eventually(() => received.some((message) => message.id === barrier.id), "the barrier", 15_000);
      assert.deepEqual(
        received.filter((message) => message.chat === chat),
        [],
      );
      const reconnects = states.filter((state) => state === "online").length;
      proxy.pause();
      proxy.resume();
      await eventually(
        () => states.filter((state) => state === "online").length > reconnects,
        "the reconnect",
        15_000,
      );
      await eventually(
        () => received.filter((message) => message.chat === chat).length >= 2,
        "the gap after the reconnect",
        15_000,
      );
      assert.deepEqual(
        received.filter((message) => message.chat === chat).map((message) => message.id),
        [gap.id, later.id],
      );
    } finally {
      live.close();
      await proxy.stop();
    }
  });
});

// One server and two users for the suites below: each test makes chats of its own and closes its connections.
describe("the web page's live connection to a server cutting pages at 20 KiB", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;

  before(async () => {
    ({ server, sender, listener } = await pagedChat());
  });
  after(() => server.close());

  describe("the web page's live connection with pages cut at the byte budget", () => {
    it("a catch-up pages on past a short page until an empty one, delivering every message in order", async () => {
      const group = await sender.messenger.createGroup("Крупные сообщения", [listener.phone]);
      const chat = group.chatId as string;
      const large = "ж".repeat(4_000);
      const sent: number[] = [];
      for (const i of [1, 2, 3, 4]) sent.push((await sender.messenger.sendText(chat, `${i}${large}`)).id);
      const received: Message[] = [];
      const live = new LiveConnection(
        new CertchatApi(server.url, listener.messenger.api.token),
        {
          message: (message) => received.push(message),
          catchUpFailed: (failure) => assert.fail(`catch-up failed: ${String(failure.error)}`),
          state: () => {},
          sessionEnded: (code) => assert.fail(`session ended: ${code}`),
          chatAdded: () => {},
          chatRemoved: () => {},
          chatChanged: () => {},
          chatWaitList: () => {},
        },
        { ackTimeoutMs: 2_000 },
      );
      try {
        live.watch(chat, (sent[0] as number) - 1);
        await eventually(() => received.length >= sent.length, "every message of the gap", 15_000);
        assert.deepEqual(
          received.map((message) => message.id),
          sent,
        );
      } finally {
        live.close();
      }
    });
  });

  describe("the web page's live connection drops socket payloads it cannot route", () => {
    const cleanups: (() => Promise<void> | void)[] = [];

    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    /** The listener's page connection through a relay that can send payloads of its own (a hostile server). */
    async function throughRelay() {
      const relay = new EventRelay(server.url);
      const api = new SplitApi(await relay.start(), server.url, listener.messenger.api.token);
      const recorded = recording();
      const live = new LiveConnection(api, recorded.handlers);
      cleanups.push(
        () => live.close(),
        () => relay.stop(),
      );
      await eventually(() => recorded.states.at(-1) === "online", "the connection");
      return { relay, live, ...recorded };
    }

    /** Payloads no event can be routed by. */
    const shapeless = [null, 7, "x", [], {}];

    it("live messages without a string chat and an integer id are dropped; a real one after them is delivered", async () => {
      const group = await sender.messenger.createGroup("Мусор в сокете", [listener.phone]);
      const chat = group.chatId as string;
      const { relay, live, received } = await throughRelay();
      const first = await sender.messenger.sendText(chat, "до мусора");
      live.watch(chat, first.id - 1);
      await eventually(() => received.length >= 1, "the first catch-up", 15_000);
      received.splice(0);
      // A string id past every real one was delivered and became the chat's place: the real message was dropped.
      for (const payload of [...shapeless, { chat: 5, id: 1 }, { chat, id: `${Number.MAX_SAFE_INTEGER}` }])
        relay.inject("messages", payload);
      const real = await sender.messenger.sendText(chat, "после мусора");
      await eventually(() => received.length >= 1, "the real message");
      assert.deepEqual(
        received.map((message) => message.id),
        [real.id],
      );
    });

    const chatId = "forged-chat";
    /** Per event: a payload as the server sends it, and forgeries of it the page cannot act on. */
    const chatEvents = {
      chatAdded: {
        real: { chatId, chatType: 1, chatName: "Группа", role: "member", keyId: 1, by: 1 },
        forged: [{ chatId: 5, keyId: 1 }, { chatId }, { chatId, keyId: "2" }, { chatId, keyId: 1.5 }],
      },
      chatRemoved: {
        real: { chatId, reason: "removed", by: 1 },
        forged: [{ chatId: 5, reason: "left" }, { chatId }, { chatId, reason: "deleted" }],
      },
      chatChanged: {
        real: { chatId, keyId: 2, version: 3, rotationDue: false },
        forged: [
          { chatId: null, keyId: 2, rotationDue: false },
          { chatId, keyId: "2", rotationDue: false },
          { chatId, keyId: 2, rotationDue: "yes" },
        ],
      },
      chatWaitList: {
        real: { chatId, keyId: 2, waitList: [] },
        forged: [
          { chatId: 5, keyId: 2, waitList: [] },
          { chatId, waitList: [] },
          { chatId, keyId: 2, waitList: {} },
        ],
      },
    } as const;

    for (const [event, { real, forged }] of Object.entries(chatEvents)) {
      it(`${event} payloads without the fields the page reads are dropped; a real one after them is passed on`, async () => {
        const { relay, events } = await throughRelay();
        for (const payload of [...shapeless, ...forged]) relay.inject(event, payload);
        relay.inject(event, real);
        await eventually(() => events.length >= 1, `the real ${event}`);
        assert.deepEqual(events, [[event, real]]);
      });
    }
  });

  describe("the web page's live connection resumes its chats with one `resume`", () => {
    const cleanups: (() => Promise<void> | void)[] = [];

    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
    });

    /**
     * The listener's page connection through a relay (refusing `refused`, as an older server does) behind a proxy
     * that cuts the connection, watching `chats` from before a first message in each, which it has delivered.
     * `slow`: the relay holds the acks of these events this long, and the page waits `ackTimeoutMs` for acks.
     */
    async function watching(
      refused: string[],
      chats: string[],
      slow: { ackDelaysMs: Record<string, number>; ackTimeoutMs: number } | undefined = undefined,
    ) {
      const relay = new EventRelay(server.url, refused, slow?.ackDelaysMs);
      const proxy = new TcpProxy(new URL(await relay.start()));
      const api = new SplitApi(await proxy.start(), server.url, listener.messenger.api.token);
      const { handlers, received, failures, states } = recording();
      const live = new LiveConnection(api, handlers, { ackTimeoutMs: slow?.ackTimeoutMs });
      cleanups.push(
        () => live.close(),
        () => proxy.stop(),
        () => relay.stop(),
      );
      await eventually(() => states.at(-1) === "online", "the connection");
      for (const chat of chats) {
        const first = await sender.messenger.sendText(chat, "до обрыва");
        live.watch(chat, first.id - 1);
      }
      await eventually(() => received.length >= chats.length, "the first catch-ups", 15_000);
      received.splice(0);
      return { relay, proxy, api, received, failures };
    }

    /** Cuts the connection, sends `texts` into each chat meanwhile, lets the page back; the sent ids. */
    async function whileAway(
      setup: Awaited<ReturnType<typeof watching>>,
      chats: string[],
      texts: string[],
    ): Promise<number[]> {
      setup.proxy.pause();
      const sent: number[] = [];
      for (const chat of chats)
        for (const text of texts) sent.push((await sender.messenger.sendText(chat, text)).id);
      setup.relay.events.splice(0);
      setup.api.pages = 0;
      setup.proxy.resume();
      return sent;
    }

    it("a new server: after a reconnect one resume for all the watched chats delivers each gap once, with no subscribe or page", async () => {
      const chats = await groupsWith(sender, listener, 3, "Возврат");
      const setup = await watching([], chats);
      const sent = await whileAway(setup, chats, ["пока не было связи 1", "пока не было связи 2"]);
      await eventually(() => setup.received.length >= sent.length, "the gap's messages", 15_000);
      assert.deepEqual(
        setup.received.map((message) => message.id).sort((a, b) => a - b),
        sent,
      );
      assert.deepEqual(setup.relay.events, ["resume"]);
      assert.equal(setup.api.pages, 0);
      assert.deepEqual(setup.failures, []);
    });

    // Before the allowance, every attempt timed out and the catch-up gave up without its gap.
    it("a resume answered after the ack timeout but within a page budget's transfer time is sent once", async () => {
      const chats = await groupsWith(sender, listener, 2, "Медленная связь");
      const setup = await watching([], chats, { ackDelaysMs: { resume: 600 }, ackTimeoutMs: 200 });
      const sent = await whileAway(setup, chats, ["пока не было связи"]);
      await eventually(() => setup.received.length >= sent.length, "the gap's messages", 15_000);
      assert.deepEqual(tally(setup.relay.events), { resume: 1 });
      assert.deepEqual(setup.failures, []);
    });

    it("an older server (resume answered MethodNotFound): subscribe and pages per chat, until an empty page, deliver each gap once", async () => {
      const chats = await groupsWith(sender, listener, 2, "Возврат");
      const setup = await watching(["resume"], chats);
      const sent = await whileAway(setup, chats, ["пока не было связи 1", "пока не было связи 2"]);
      await eventually(() => setup.received.length >= sent.length, "the gap's messages", 15_000);
      assert.deepEqual(
        setup.received.map((message) => message.id).sort((a, b) => a - b),
        sent,
      );
      assert.deepEqual(tally(setup.relay.events), { resume: 1, subscribe: 2 });
      assert.equal(setup.api.pages, 4);
      assert.deepEqual(setup.failures, []);
    });

    it("a resume that says more: the gap is paged on until an empty page, in order", async () => {
      const chats = await groupsWith(sender, listener, 1, "Возврат");
      const setup = await watching([], chats);
      const large = "ж".repeat(4_000);
      const sent = await whileAway(
        setup,
        chats,
        [1, 2, 3, 4].map((i) => `${i}${large}`),
      );
      await eventually(() => setup.received.length >= sent.length, "the gap's messages", 15_000);
      assert.deepEqual(
        setup.received.map((message) => message.id),
        sent,
      );
      assert.deepEqual(setup.relay.events, ["resume"]);
      assert.ok(setup.api.pages >= 2, `${setup.api.pages} pages`);
      assert.deepEqual(setup.failures, []);
    });
  });
});
