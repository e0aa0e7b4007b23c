import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { ApiError } from "../../../src/protocol/errors.ts";
import type { Contact } from "../../../src/protocol/schemas/chats.ts";
import { MAX_RESUME_CHATS, type Message, type ResumeData } from "../../../src/protocol/schemas/messages.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { countChatLeaves } from "../../../src/server/realtime/chat-leaves.ts";
import type { CertchatSocket, RealtimeContext } from "../../../src/server/realtime/context.ts";
import type { EventCall } from "../../../src/server/realtime/dispatch.ts";
import { resume } from "../../../src/server/realtime/resume.ts";
import { ChatRights } from "../../../src/server/services/chat-rights.ts";
import {
  type CatchUpPage,
  type CatchUpRequest,
  MessageService,
} from "../../../src/server/services/messages.ts";
import { startMessageCommitter } from "../../../src/server/storage/message-commit/start-committer.ts";
import { MessageWriter } from "../../../src/server/storage/message-writer.ts";
import { deleteMember } from "../../../src/server/storage/repositories/chats.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../support/chats.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";
import { closeAll, connectV4, nextEvent, request, textMessage } from "../../support/sockets.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { silent } from "../services/membership-fixtures.ts";
import { chatOf, member, message, now } from "../storage/repositories/fixtures.ts";

const MEMBER_CHAT = "0b9e2a34-7c1d-4f3e-9a8b-5d6c7e8f9a0b";
const OTHER_CHAT = "1c0f3b45-8d2e-4a4f-8b9c-6e7d8f9a0b1c";
const STRANGER_CHAT = "2d1a4c56-9e3f-4b5a-9cad-7f8e9a0b1c2d";

const SOCKET_ID = "socket-1";

const tempDir = useTempDir("certchat-resume-");

/** What the handler did, in order: reads, joins, leaves, pages. */
type Step = string;

/**
 * A socket and services that record each step. The first membership read finds `members` (each with history
 * bound `bound`), later ones `readers` (fewer: a removal committed in between); with `leaveDuringRead`, a
 * removal's leave order reaches the socket while the first read runs (counted as the gateway counts them).
 */
function recorded(members: string[], { readers = members, leaveDuringRead = false, bound = 0 } = {}) {
  const steps: Step[] = [];
  const rooms = new Set<string>();
  const adapter = { del: (_id: string, room: string) => void rooms.delete(room) };
  const socket = {
    id: SOCKET_ID,
    conn: { protocol: 4 },
    join: async (joined: string | string[]) => {
      for (const room of [joined].flat()) rooms.add(room);
      steps.push(`join ${[joined].flat().join(",")}`);
    },
    leave: async (room: string) => {
      adapter.del(SOCKET_ID, room);
      steps.push(`leave ${room}`);
    },
  } as unknown as CertchatSocket;
  countChatLeaves(adapter, new Map([[SOCKET_ID, socket]]));
  let reads = 0;
  const rights = {
    readerBounds: async (_profile: number, chats: readonly string[]) => {
      steps.push(`bounds ${chats.join(",")}`);
      const found = reads++ === 0 ? members : readers;
      if (reads === 1 && leaveDuringRead) adapter.del(SOCKET_ID, `chat:${STRANGER_CHAT}`);
      return new Map(chats.filter((chat) => found.includes(chat)).map((chat) => [chat, bound]));
    },
  };
  const messages = {
    catchUpPages: async (_profile: number, requests: readonly CatchUpRequest[]): Promise<CatchUpPage[]> => {
      steps.push(`pages ${requests.map((page) => `${page.chat}>${page.id}/${page.visibleAfter}`).join(",")}`);
      return requests.map(({ chat }) => ({ chat, messages: [], more: false }));
    },
  };
  const context = { rights, messages } as unknown as RealtimeContext;
  return { socket, context, steps, rooms };
}

function resumeCall(
  socket: CertchatSocket,
  context: RealtimeContext,
  chats: { chat: string; id: number }[],
): EventCall<"resume"> {
  return {
    context,
    socket,
    identity: { profile: { id: 7 } },
    payload: { chats },
  } as unknown as EventCall<"resume">;
}

describe("resume's handler", () => {
  test("a member's chats are joined and answered with their pages, a non-member's refused GetChatsError and not joined", async () => {
    const { socket, context, rooms } = recorded([MEMBER_CHAT]);
    const answer = await resume(
      resumeCall(socket, context, [
        { chat: STRANGER_CHAT, id: 0 },
        { chat: MEMBER_CHAT, id: 3 },
      ]),
    );
    assert.deepEqual(answer, {
      chats: [
        { chat: STRANGER_CHAT, error: "GetChatsError" },
        { chat: MEMBER_CHAT, messages: [], more: false },
      ],
    });
    assert.deepEqual([...rooms], [`chat:${MEMBER_CHAT}`]);
  });

  test("memberships are read once, before the join, for all chats, and the pages follow the join", async () => {
    const { socket, context, steps } = recorded([MEMBER_CHAT, OTHER_CHAT]);
    await resume(
      resumeCall(socket, context, [
        { chat: MEMBER_CHAT, id: 3 },
        { chat: OTHER_CHAT, id: 0 },
        { chat: STRANGER_CHAT, id: 0 },
      ]),
    );
    assert.deepEqual(steps, [
      `bounds ${MEMBER_CHAT},${OTHER_CHAT},${STRANGER_CHAT}`,
      `join chat:${MEMBER_CHAT},chat:${OTHER_CHAT}`,
      `pages ${MEMBER_CHAT}>3/0,${OTHER_CHAT}>0/0`,
    ]);
  });

  test("each page is asked with the reader's history bound", async () => {
    const { socket, context, steps } = recorded([MEMBER_CHAT], { bound: 17 });
    await resume(resumeCall(socket, context, [{ chat: MEMBER_CHAT, id: 3 }]));
    assert.equal(steps.at(-1), `pages ${MEMBER_CHAT}>3/17`);
  });

  test("a leave order arriving before the join: memberships are read again once joined, before the pages", async () => {
    const { socket, context, steps } = recorded([MEMBER_CHAT, OTHER_CHAT], { leaveDuringRead: true });
    await resume(
      resumeCall(socket, context, [
        { chat: MEMBER_CHAT, id: 3 },
        { chat: OTHER_CHAT, id: 0 },
      ]),
    );
    assert.deepEqual(steps, [
      `bounds ${MEMBER_CHAT},${OTHER_CHAT}`,
      `join chat:${MEMBER_CHAT},chat:${OTHER_CHAT}`,
      `bounds ${MEMBER_CHAT},${OTHER_CHAT}`,
      `pages ${MEMBER_CHAT}>3/0,${OTHER_CHAT}>0/0`,
    ]);
  });

  test("a removal committed between the read and the join: the socket leaves the chat's room and the chat is refused", async () => {
    const { socket, context, rooms } = recorded([MEMBER_CHAT, OTHER_CHAT], {
      readers: [OTHER_CHAT],
      leaveDuringRead: true,
    });
    const answer = await resume(
      resumeCall(socket, context, [
        { chat: MEMBER_CHAT, id: 3 },
        { chat: OTHER_CHAT, id: 0 },
      ]),
    );
    assert.deepEqual(answer.chats[0], { chat: MEMBER_CHAT, error: "GetChatsError" });
    assert.deepEqual([...rooms], [`chat:${OTHER_CHAT}`]);
  });

  test("an Engine.IO 3 socket joins its generation's rooms", async () => {
    const { socket, context, rooms } = recorded([MEMBER_CHAT]);
    (socket.conn as { protocol: number }).protocol = 3;
    await resume(resumeCall(socket, context, [{ chat: MEMBER_CHAT, id: 0 }]));
    assert.deepEqual([...rooms], [`chat:${MEMBER_CHAT}:eio3`]);
  });

  test("a chat named twice is InvalidSchema, and nothing is read or joined", async () => {
    const { socket, context, steps } = recorded([MEMBER_CHAT]);
    await assert.rejects(
      resume(
        resumeCall(socket, context, [
          { chat: MEMBER_CHAT, id: 0 },
          { chat: MEMBER_CHAT, id: 5 },
        ]),
      ),
      (error: unknown) => error instanceof ApiError && error.code === "InvalidSchema",
    );
    assert.deepEqual(steps, []);
  });
});

describe("resume over a socket", () => {
  let server: TestServer;
  let alice: ChatUser;
  let bob: ChatUser;
  const sockets: Socket[] = [];
  /** Alice's groups: `quiet` without messages since `since`, `busy` with some, `bobs` she is not in. */
  let quiet: string;
  let busy: string;
  let bobs: string;
  let since: number;
  let busySent: number[];

  const group = async (owner: ChatUser, name: string) =>
    (
      await call<Contact>(server, "/api/createChat/", {
        token: owner.token,
        type: 1,
        name,
        keys: keysFor(newChatKey(), [owner]),
      })
    ).chatId as string;
  const send = async (from: ChatUser, chat: string, text: string) =>
    (
      await call<Message>(server, "/api/sendMessage/", {
        token: from.token,
        ...textMessage(from, chat, text),
      })
    ).id;
  const open = async (user: ChatUser) => {
    const socket = await connectV4(server.url, { token: user.token });
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    // A page budget of 20 KiB: three messages of ~6 KiB of fields fit.
    server = await startTestServer({ env: { ...chatServerEnv, CERTCHAT_MAX_PAGE_BYTES: "20KiB" } });
    alice = await chatUser(server, "Алисова Алиса Петровна");
    bob = await chatUser(server, "Бобров Борис Иванович");
    quiet = await group(alice, "тихая");
    busy = await group(alice, "шумная");
    bobs = await group(bob, "чужая");
    since = await send(alice, quiet, "до ухода");
    busySent = [await send(alice, busy, "первое"), await send(alice, busy, "второе")];
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  test("each chat answers the page `messages` answers after its id, and a non-member's chat GetChatsError", async () => {
    const socket = await open(alice);
    const answer = await request(socket, "resume", {
      chats: [
        { chat: quiet, id: since },
        { chat: bobs, id: 0 },
        { chat: busy, id: since },
      ],
    });
    assert.equal(answer.success, true, answer.error);
    const page = await request(socket, "messages", { chat: busy, id: since, rel: "next" });
    assert.deepEqual(answer.data, {
      chats: [
        { chat: quiet, messages: [], more: false },
        { chat: bobs, error: "GetChatsError" },
        { chat: busy, messages: page.data, more: false },
      ],
    });
    assert.deepEqual(
      (page.data as Message[]).map((message) => message.id),
      busySent,
    );
  });

  test("once answered, the socket is subscribed: a message sent then arrives live", async () => {
    const socket = await open(alice);
    await request(socket, "resume", { chats: [{ chat: quiet, id: since }] });
    const live = nextEvent(socket, "messages");
    const id = await send(bob, bobs, "не для Алисы");
    const sent = await send(alice, quiet, "после возвращения");
    assert.ok(sent > id);
    assert.equal(((await live) as Message).id, sent);
  });

  test("pages share the page budget: a cut page says more, a chat past the budget answers none and more, and `messages` pages the rest", async () => {
    const big = await group(alice, "большая");
    const after = await group(alice, "следом");
    const text = "ж".repeat(2_300); // ~4.5 KiB of UTF-8, ~6 KiB of base64 ciphertext
    const bigSent = [];
    for (let i = 0; i < 4; i++) bigSent.push(await send(alice, big, `${i}${text}`));
    const afterSent = [await send(alice, after, text)];
    const socket = await open(alice);
    const answer = await request(socket, "resume", {
      chats: [
        { chat: big, id: 0 },
        { chat: after, id: 0 },
      ],
    });
    const [bigPart, afterPart] = (answer.data as ResumeData).chats as {
      chat: string;
      messages: Message[];
      more: boolean;
    }[];
    assert.equal(bigPart?.more, true);
    assert.ok((bigPart?.messages.length ?? 0) > 0 && (bigPart?.messages.length ?? 0) < bigSent.length);
    assert.deepEqual(afterPart, { chat: after, messages: [], more: true });
    const held = bigPart?.messages.map((message) => message.id) ?? [];
    const rest = await request(socket, "messages", { chat: big, id: held.at(-1), rel: "next" });
    assert.deepEqual([...held, ...(rest.data as Message[]).map((message) => message.id)], bigSent);
    const next = await request(socket, "messages", { chat: after, id: 0, rel: "next" });
    assert.deepEqual(
      (next.data as Message[]).map((message) => message.id),
      afterSent,
    );
  });

  test("more than a page after the id: the page's 50 and more", async () => {
    const long = await group(alice, "длинная");
    for (let i = 0; i < 51; i++) await send(alice, long, `${i}`);
    const socket = await open(alice);
    const answer = await request(socket, "resume", { chats: [{ chat: long, id: 0 }] });
    const [part] = (answer.data as ResumeData).chats as { messages: Message[]; more: boolean }[];
    assert.equal(part?.messages.length, 50);
    assert.equal(part?.more, true);
  });

  const badPayloads: [string, unknown][] = [
    ["no payload", undefined],
    ["a chat id string", "0b9e2a34-7c1d-4f3e-9a8b-5d6c7e8f9a0b"],
    ["no chats", { chats: [] }],
    ["a negative id", { chats: [{ chat: MEMBER_CHAT, id: -1 }] }],
    ["a chat without id", { chats: [{ chat: MEMBER_CHAT }] }],
    ["an empty chat id", { chats: [{ chat: "", id: 0 }] }],
    ["chats not a list", { chats: { chat: MEMBER_CHAT, id: 0 } }],
    [
      `${MAX_RESUME_CHATS + 1} chats`,
      {
        chats: Array.from({ length: MAX_RESUME_CHATS + 1 }, (_, i) => ({
          chat: `0b9e2a34-7c1d-4f3e-9a8b-${String(i).padStart(12, "0")}`,
          id: 0,
        })),
      },
    ],
  ];
  for (const [what, payload] of badPayloads)
    test(`bad input (${what}) is InvalidSchema`, async () => {
      const socket = await open(alice);
      const answer =
        payload === undefined ? await request(socket, "resume") : await request(socket, "resume", payload);
      assert.deepEqual(answer, { success: false, error: "InvalidSchema" });
    });
});

describeEachBackend("resume's handler on a database", (storage) => {
  let writer: MessageWriter;
  let service: MessageService;

  before(async () => {
    writer = new MessageWriter({ committer: await startMessageCommitter(storage()) });
    service = new MessageService({
      db: storage().db,
      blobs: new FileSystemBlobStore(await tempDir()),
      writer,
      publisher: { publish() {} },
      rights: new ChatRights(storage().db),
      clock: () => now,
      logger: silent,
      maxTextBytes: 1024,
      maxFileBytes: 1024,
      maxCmsBytes: 1024,
      maxPageBytes: 1_000_000,
    });
  });
  after(async () => {
    await writer.close();
  });

  // The pages were read with the bounds of the read before the join: a removal committed after that read, whose
  // leave order had not reached this node by the join (it comes through Redis from the node that removed),
  // was not seen, and the page brought what the chat got after it.
  test("a removal committed after the membership read, its leave order still on the way: the page holds nothing sent after it", async () => {
    const owner = await member(storage(), "resume-owner", "79990007001");
    const removed = await member(storage(), "resume-removed", "79990007002");
    const chat = await chatOf(storage(), owner, [removed]);
    await insertMessage(storage().db, message(chat, owner));
    const rights = new ChatRights(storage().db);
    let afterRemoval = 0;
    const removing = {
      readerBounds: async (profileId: number, chats: readonly string[]) => {
        const bounds = await rights.readerBounds(profileId, chats);
        await deleteMember(storage().db, chat, removed.profileId);
        afterRemoval = await insertMessage(storage().db, message(chat, owner));
        return bounds;
      },
    };
    const { socket } = recorded([]);
    const context = { rights: removing, messages: service } as unknown as RealtimeContext;
    const event = resumeCall(socket, context, [{ chat, id: 0 }]);
    (event.identity as { profile: { id: number } }).profile.id = removed.profileId;
    const [answer] = (await resume(event)).chats;
    const ids = answer && "messages" in answer ? answer.messages.map((m) => m.id) : [];
    assert.ok(afterRemoval > 0);
    assert.ok(!ids.includes(afterRemoval), `the removed member's page: ${ids.join(", ")}`);
  });
});
