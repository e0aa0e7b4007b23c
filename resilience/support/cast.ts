import type { Message } from "../../src/protocol/schemas/messages.ts";
import { type ChatUser, call, chatUser, encrypt, keysFor, newChatKey } from "../../test/support/chats.ts";
import type { ApiServer } from "../../test/support/server.ts";
import { chatBetween, textMessage } from "../../test/support/sockets.ts";

/**
 * The people of a resilience run: Alice and Bob share a personal chat with texts and a file (the data that
 * must survive); Mallory has her own chat with Alice (with a file) and drives the abuse.
 */
export interface Cast {
  alice: ChatUser;
  bob: ChatUser;
  mallory: ChatUser;
  /** Alice and Bob's chat: Mallory is not a member. */
  privateChat: string;
  privateFile: string;
  /** Mallory and Alice's chat. */
  malloryChat: string;
  malloryFile: string;
}

/** Sends a file (encrypted bytes) with a text to `chat`; returns the stored message. */
async function sendFile(api: ApiServer, from: ChatUser, chat: string, bytes: Uint8Array): Promise<Message> {
  return call<Message>(api, "/api/sendMessage/", {
    token: from.token,
    ...textMessage(from, chat, "attached"),
    type: "pdf",
    data: encrypt(newChatKey(), bytes),
  });
}

export async function buildCast(api: ApiServer): Promise<Cast> {
  const alice = await chatUser(api, "Алисова Алиса Петровна");
  const bob = await chatUser(api, "Бобров Борис Иванович");
  const mallory = await chatUser(api, "Малорий Мэллори Злой");
  const privateChat = await chatBetween(api, alice, bob);
  const malloryChat = await chatBetween(api, mallory, alice);
  for (const [index, text] of ["привет", "секрет \u202e RTL", "третье"].entries()) {
    const from = index % 2 === 0 ? alice : bob;
    await call(api, "/api/sendMessage/", { token: from.token, ...textMessage(from, privateChat, text) });
  }
  const privateFile = (await sendFile(api, bob, privateChat, new TextEncoder().encode("договор")))
    .file as string;
  await call(api, "/api/sendMessage/", { token: mallory.token, ...textMessage(mallory, malloryChat, "hi") });
  const malloryFile = (await sendFile(api, mallory, malloryChat, new Uint8Array(4_096).fill(7)))
    .file as string;
  return { alice, bob, mallory, privateChat, privateFile, malloryChat, malloryFile };
}

/** createChat keys for Mallory and Alice (of a group, or their existing personal chat). */
export function malloryAliceKeys(cast: Cast) {
  return keysFor(newChatKey(), [cast.mallory, cast.alice]);
}

/** Every message of a chat, paging forward from the start. */
async function wholeHistory(api: ApiServer, token: string, chat: string): Promise<Message[]> {
  const all: Message[] = [];
  let anchor = 0;
  for (;;) {
    const page = await call<Message[]>(api, "/api/messages/", { token, chat, id: anchor, rel: "next" });
    all.push(...page);
    if (page.length < 50) return all;
    anchor = page.at(-1)?.id ?? anchor;
  }
}

/** What the cast has stored: profiles, both chats' histories, chat lists and files, as their owners see them. */
export interface Stored {
  profiles: unknown[];
  histories: Message[][];
  chatLists: unknown[][];
  files: string[];
}

export async function readStored(api: ApiServer, cast: Cast): Promise<Stored> {
  const { alice, bob, mallory } = cast;
  const chats = [cast.privateChat, cast.malloryChat];
  return {
    profiles: await Promise.all(
      [alice, bob, mallory].map((u) => call(api, "/api/profile/", { token: u.token })),
    ),
    histories: [
      await wholeHistory(api, alice.token, cast.privateChat),
      await wholeHistory(api, mallory.token, cast.malloryChat),
    ],
    chatLists: await Promise.all(
      [alice, bob, mallory].map(async (u) =>
        (await call<{ chatId: string }[]>(api, "/api/contacts/", { token: u.token }))
          .filter((contact) => chats.includes(contact.chatId))
          .sort((a, b) => a.chatId.localeCompare(b.chatId)),
      ),
    ),
    files: [
      await call<string>(api, "/api/file/", {
        token: bob.token,
        chat: cast.privateChat,
        file: cast.privateFile,
      }),
      await call<string>(api, "/api/file/", {
        token: alice.token,
        chat: cast.malloryChat,
        file: cast.malloryFile,
      }),
    ],
  };
}

/**
 * `after` limited to what existed in `before` (the abuse may add messages): messages up to its last ids, and a
 * chat's `lastMessageId` read as before's where it only moved on (a lower one, a message lost, still differs).
 */
export function sameExtent(before: Stored, after: Stored): Stored {
  return {
    ...after,
    histories: after.histories.map((history, index) => {
      const last = before.histories[index]?.at(-1)?.id ?? 0;
      return history.filter((message) => message.id <= last);
    }),
    chatLists: after.chatLists.map((list, index) =>
      list.map((contact, position) => {
        const was = lastMessageIdOf(before.chatLists[index]?.[position]);
        const now = lastMessageIdOf(contact);
        return was !== undefined && now !== undefined && now >= was
          ? { ...(contact as object), lastMessageId: was }
          : contact;
      }),
    ),
  };
}

function lastMessageIdOf(contact: unknown): number | undefined {
  const value = (contact as { lastMessageId?: unknown } | undefined)?.lastMessageId;
  return typeof value === "number" ? value : undefined;
}
