import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Message, MessagesRequest } from "../../../src/protocol/schemas/messages.ts";
import { LiveConnection } from "../../../web/src/chat/live.ts";
import { pagedChat, type SdkUser } from "../../client/support.ts";
import { EventRelay } from "../../support/event-relay.ts";
import type { TestServer } from "../../support/server.ts";
import { eventually } from "../../support/sockets.ts";
import { recording, SplitApi } from "./support.ts";

/**
 * A server that answers every `next` page with messages the client already holds (ids not after the one it
 * asked from): the page is never empty, so a catch-up that pages on until an empty page never ends. Each id
 * asked for a second time is counted as a repeat and answered empty, so that the probe itself ends.
 */
class StalePages extends SplitApi {
  repeats = 0;
  private readonly asked = new Set<number>();

  override async messages(request: Omit<MessagesRequest, "token">): Promise<Message[]> {
    const id = request.id ?? 0;
    if (this.asked.has(id)) {
      this.repeats += 1;
      return [];
    }
    this.asked.add(id);
    const page = await super.messages({ ...request, id: 0 });
    return page.filter((message) => message.id <= id);
  }
}

describe("red-team probe: the web page's catch-up against a malicious server", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;

  before(async () => {
    // A page budget of 20 KiB: a few large messages do not fit one resume answer, so it says more.
    ({ server, sender, listener } = await pagedChat());
  });
  after(() => server.close());

  /** Watches `chat` from `held` through `socketServer`, and waits for the catch-up's end or a repeated page. */
  async function caughtUp(socketServer: string, chat: string, held: number) {
    const api = new StalePages(socketServer, server.url, listener.messenger.api.token);
    const { handlers, failures } = recording();
    const live = new LiveConnection(api, handlers, { ackTimeoutMs: 2_000, catchUpRetry: { attempts: 1 } });
    try {
      live.watch(chat, held);
      await eventually(
        () => failures.length > 0 || api.repeats > 0,
        "the catch-up's end or a repeated page",
        15_000,
      );
      assert.equal(
        api.repeats,
        0,
        "the same page was asked for again: against this server the loop never ends",
      );
      assert.deepEqual(
        failures.map(({ chat: failed, retrying }) => ({ failed, retrying })),
        [{ failed: chat, retrying: false }],
      );
      assert.match(String(failures[0]?.error), /holds nothing after it/);
    } finally {
      live.close();
    }
  }

  it("an older server (no resume): a page that does not go past the last id held ends the catch-up as failed instead of asking for the same page again", async () => {
    const group = await sender.messenger.createGroup("Несдвигаемая страница", [listener.phone]);
    const chat = group.chatId as string;
    const held = await sender.messenger.sendText(chat, "уже есть");
    const relay = new EventRelay(server.url, ["resume"]);
    try {
      await caughtUp(await relay.start(), chat, held.id);
    } finally {
      await relay.stop();
    }
  });

  it("a resume that says more: a next page that does not go past the last id held ends the catch-up as failed instead of asking for it again", async () => {
    const group = await sender.messenger.createGroup("Несдвигаемая страница после resume", [listener.phone]);
    const chat = group.chatId as string;
    const held = await sender.messenger.sendText(chat, "уже есть");
    for (const i of [1, 2, 3]) await sender.messenger.sendText(chat, `${i}${"ж".repeat(4_000)}`);
    await caughtUp(server.url, chat, held.id);
  });
});
