import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import pino from "pino";
import { Server } from "socket.io";
import type { Message } from "../../../src/protocol/schemas/messages.ts";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { sweepDeadSessions } from "../../../src/server/realtime/session-sweeper.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import { SessionService } from "../../../src/server/services/sessions.ts";
import { call, chatServerEnv, chatUser } from "../../support/chats.ts";
import { scrape } from "../../support/metrics.ts";
import { startTestServer } from "../../support/server.ts";
import {
  type AnySocket,
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  eventually,
  nextEvent,
  record,
  request,
  textMessage,
} from "../../support/sockets.ts";
import { backends } from "../../support/storage.ts";

test("a sweep that cannot reach the database is logged and leaves the sockets connected", async () => {
  const sqlite = backends.find((backend) => backend.name === "sqlite");
  assert.ok(sqlite);
  const storage = await sqlite.create();
  const sessions = new SessionService(storage.storage.db, Date.now, { idleMs: 60_000, maxAgeMs: 60_000 });
  const rights = new ChatRights(storage.storage.db);
  await storage.dispose(); // every query from now on fails
  const lines: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
  const http = createServer();
  const io: CertchatIo = new Server(http);
  io.use((socket, next) => {
    socket.data.token = "a-token";
    next();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const sweeper = sweepDeadSessions(io, sessions, rights, 60_000, logger);
  const socket = await connectV4(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  try {
    await sweeper.sweepNow();
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /socket session sweep failed/);
    assert.equal(socket.connected, true);
  } finally {
    sweeper.stop();
    socket.close();
    await io.close();
  }
});

test("the sweep makes sockets of both generations leave a chat whose membership is gone (a removal that Redis did not carry to this node); other subscriptions stay", async () => {
  const server = await startTestServer({ env: chatServerEnv, sessionCheckMs: 50 });
  const sockets: AnySocket[] = [];
  try {
    const alice = await chatUser(server, "Алисова Алиса Петровна");
    const bob = await chatUser(server, "Бобров Борис Иванович");
    const carol = await chatUser(server, "Карпова Карина Олеговна");
    const chat = await chatBetween(server, alice, bob);
    const barrierChat = await chatBetween(server, carol, bob);
    const aliceSocket = await connectV4(server.url, { token: alice.token });
    const bobCurrent = await connectV4(server.url, { token: bob.token });
    const bobLegacy = await connectV2(server.url);
    sockets.push(aliceSocket, bobCurrent, bobLegacy);
    bobLegacy.emit("session", bob.token);
    for (const socket of [aliceSocket, bobCurrent, bobLegacy]) await request(socket, "subscribe", chat);
    for (const socket of [bobCurrent, bobLegacy]) await request(socket, "subscribe", barrierChat);
    const subscriptions = async () =>
      (await scrape(server.server.metricsUrl())).value("certchat_socket_subscriptions");
    assert.equal(await subscriptions(), 5);

    // What this node sees of a removal on a node it could not hear from: the membership row is gone.
    await server.server.storage.db
      .deleteFrom("chat_members")
      .where("chat_id", "=", chat)
      .where("profile_id", "=", bob.pid)
      .execute();
    const deadline = Date.now() + 5_000;
    while ((await subscriptions()) !== 3) {
      assert.ok(Date.now() < deadline, "the sweep did not drop Bob's two chat rooms");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    const bobSeen = [record(bobCurrent, "messages"), record(bobLegacy, "message")];
    const aliceGets = nextEvent(aliceSocket, "messages");
    await call(server, "/api/sendMessage/", { token: alice.token, ...textMessage(alice, chat, "after") });
    await aliceGets;
    const barrier = await call<Message>(server, "/api/sendMessage/", {
      token: carol.token,
      ...textMessage(carol, barrierChat, "barrier"),
    });
    await eventually(() => bobSeen.every((seen) => seen.length === 1), "the barrier message");
    for (const seen of bobSeen)
      assert.deepEqual(
        (seen as Message[]).map((message) => message.id),
        [barrier.id],
      );
  } finally {
    closeAll(sockets);
    await server.close();
  }
});

test("a sweep is counted as asked before its round looks at the sockets, also one asked while another runs", async () => {
  const countsSeen: number[] = [];
  let sweeper: ReturnType<typeof sweepDeadSessions> | undefined;
  const io = {
    of: () => ({
      sockets: {
        values: () => {
          countsSeen.push(sweeper?.asked() ?? -1);
          return [][Symbol.iterator]();
        },
      },
    }),
  } as unknown as CertchatIo;
  const sessions = { refusals: async () => new Map() } as unknown as SessionService;
  const rights = { forgetSigners: () => {} } as unknown as ChatRights;
  sweeper = sweepDeadSessions(io, sessions, rights, 60_000, pino({ level: "silent" }));
  try {
    const first = sweeper.sweepNow();
    const second = sweeper.sweepNow();
    assert.equal(sweeper.asked(), 2);
    await Promise.all([first, second]);
    assert.deepEqual(countsSeen, [1, 2]);
  } finally {
    sweeper.stop();
  }
});
