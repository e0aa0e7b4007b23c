import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CertchatApi } from "../../../src/client/api.ts";
import type { CatchUpFailure } from "../../../src/client/socket.ts";
import type { Message, MessagesRequest } from "../../../src/protocol/schemas/messages.ts";
import { LiveConnection } from "../../../web/src/chat/live.ts";
import { type SdkUser, sdkUser } from "../../client/support.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { eventually } from "../../support/sockets.ts";

/**
 * A server that answers every `next` page with messages the client already holds (ids not after the one it
 * asked from): the page is never empty, so a catch-up that pages on until an empty page never ends. Each id
 * asked for a second time is counted as a repeat and answered empty, so that the probe itself ends.
 */
class StalePages extends CertchatApi {
  repeats = 0;
  private readonly asked = new Set<number>();

  override async messages(request: Omit<MessagesRequest, "token">): Promise<Message[]> {
    const id = request.id ?? 0;
    if (this.asked.has(id)) {
      this.repeats += 1;
      return [];
    }
    this.asked.add(id);
    return super.messages({ ...request, id: 0 });
  }
}

describe("red-team probe: the web page's catch-up against a malicious server", () => {
  let server: TestServer;
  let sender: SdkUser;
  let listener: SdkUser;

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    sender = await sdkUser(server, "ecdsa-p256", "Сидоров Семён Семёнович");
    listener = await sdkUser(server, "ecdsa-p256", "Козлова Анна Петровна");
  });
  after(() => server.close());

  it("a page that does not go past the last id held ends the catch-up as failed instead of asking for the same page again", async () => {
    const group = await sender.messenger.createGroup("Несдвигаемая страница", [listener.phone]);
    const chat = group.chatId as string;
    const held = await sender.messenger.sendText(chat, "уже есть");
    const api = new StalePages(server.url, listener.messenger.api.token);
    const failures: CatchUpFailure[] = [];
    const live = new LiveConnection(
      api,
      {
        message: () => {},
        catchUpFailed: (failure) => failures.push(failure),
        state: () => {},
        sessionEnded: (code) => assert.fail(`session ended: ${code}`),
        chatAdded: () => {},
        chatRemoved: () => {},
        chatChanged: () => {},
        chatWaitList: () => {},
      },
      { ackTimeoutMs: 2_000, catchUpRetry: { attempts: 1 } },
    );
    try {
      live.watch(chat, held.id);
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
    } finally {
      live.close();
    }
  });
});
