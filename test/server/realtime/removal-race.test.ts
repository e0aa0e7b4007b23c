import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser } from "../../support/chats.ts";
import { groupOf, nextChatEvent, removeMember } from "../../support/membership.ts";
import { backends, startTestServer, type TestServer } from "../../support/server.ts";
import {
  type AnySocket,
  closeAll,
  connectV4,
  emitWithAckArgs,
  request,
  textMessage,
} from "../../support/sockets.ts";

/**
 * Review probe on a real server (each backend): DECISIONS §3 says a message committed before a member's removal still
 * reaches that member. Sends race a removal; the messages stored under the old key epoch are exactly those
 * committed before the removal's rotation (the stale-key trigger refuses the rest, which are retried under the
 * new epoch). The removed member's socket must have received each of them by its chatRemoved (a message emitted
 * before the room leave arrives before chatRemoved on the same socket; one emitted after never arrives).
 * A race, not a fixed interleaving: it can pass when the removal lands outside the burst.
 */
for (const backend of backends)
  describe(`a removal racing a burst of sends [${backend.name}]`, { skip: backend.skip }, () => {
    let server: TestServer;
    let alice: ChatUser;
    let bob: ChatUser;
    let carol: ChatUser;
    const sockets: AnySocket[] = [];

    before(async () => {
      server = await startTestServer({ env: chatServerEnv, backend });
      alice = await chatUser(server, "Алисова Алиса Петровна");
      bob = await chatUser(server, "Бобров Борис Иванович");
      carol = await chatUser(server, "Карлова Карина Ивановна");
    });
    after(async () => {
      closeAll(sockets);
      await server.close();
    });

    test("the removed member got every message stored under the epoch it was removed from", async () => {
      for (let round = 0; round < 5; round++) {
        const { chat } = await groupOf(server, alice, [bob, carol]);
        const bobSocket = await connectV4(server.url, { token: bob.token });
        const carolSocket = await connectV4(server.url, { token: carol.token });
        sockets.push(bobSocket, carolSocket);
        assert.equal((await request(bobSocket, "subscribe", chat)).success, true);
        const received: number[] = [];
        bobSocket.on("messages", (m: Message) => received.push(m.id));
        const removed = nextChatEvent(bobSocket, "chatRemoved", chat);
        const sends: Promise<unknown>[] = [];
        for (let i = 0; i < 20; i++) {
          sends.push(emitWithAckArgs(carolSocket, "sendMessage", textMessage(carol, chat, `socket ${i}`)));
          sends.push(
            call(server, "/api/sendMessage/", {
              token: carol.token,
              ...textMessage(carol, chat, `rest ${i}`),
            }),
          );
          if (i === 10) sends.push(removeMember(server, alice, chat, bob.pid));
        }
        await Promise.allSettled(sends);
        await removed;
        const stored = await call<Message[]>(server, "/api/messages/", { token: alice.token, chat });
        const beforeRemoval = stored.filter((m) => m.keyId === 1).map((m) => m.id);
        const missed = beforeRemoval.filter((id) => !received.includes(id));
        assert.deepEqual(
          missed,
          [],
          `round ${round}: stored under epoch 1 ${beforeRemoval.length}, received ${received.length}`,
        );
      }
    });
  });
