import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatSocket } from "../../src/client/socket.ts";
import { EventRelay } from "../support/event-relay.ts";
import type { TestServer } from "../support/server.ts";
import { eventually } from "../support/sockets.ts";
import { pagedChat, type SdkUser } from "./support.ts";

/** Pages asked past this many, the catch-up is taken to loop (the chat holds five messages: two pages at most). */
const LOOPING = 10;

describe("red-team probe: the SDK socket's catch-up paging", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;

  before(async () => {
    // A page budget of 20 KiB: five messages of ~6 KiB do not fit one resume answer, so it says more.
    ({ server, sender, listener } = await pagedChat());
  });
  after(() => server.close());

  it("a chat unsubscribed while its catch-up pages on ends the paging instead of asking for its first page forever", async () => {
    const chat = (await sender.messenger.createGroup("Отписка посреди догонки", [listener.phone]))
      .chatId as string;
    for (let i = 0; i < 5; i++) await sender.messenger.sendText(chat, `${i}${"ж".repeat(2_300)}`);
    const relay = new EventRelay(server.url);
    const socket = new CertchatSocket({
      server: await relay.start(),
      token: listener.messenger.api.token ?? "",
    });
    try {
      await socket.connect();
      // The user leaves the chat's view as its first message arrives: the catch-up has more pages to go.
      // Awaited before the socket closes: an unsubscribe still unanswered then would reject after the test.
      let unsubscribed: Promise<void> | undefined;
      socket.onMessage(() => {
        unsubscribed ??= socket.unsubscribe(chat);
      });
      let ended = false;
      const subscribed = socket.subscribe(chat, 0).finally(() => {
        ended = true;
      });
      const pages = () => relay.events.filter((event) => event === "messages").length;
      await eventually(() => ended || pages() >= LOOPING, "the catch-up's end or its looping", 15_000);
      assert.ok(pages() < LOOPING, `${pages()} pages asked for a chat of five messages, and asking still`);
      await subscribed;
      await unsubscribed;
    } finally {
      socket.close();
      await relay.stop();
    }
  });
});
