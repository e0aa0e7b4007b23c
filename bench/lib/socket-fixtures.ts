import type { Contact } from "../../src/protocol/schemas/chats.ts";
import { type ChatUser, call, chatUser, keysFor, newChatKey } from "../../test/support/chats.ts";
import type { ApiServer } from "../../test/support/server.ts";
import { SioClient } from "./sio-client.ts";

/** `count` logged-in users with confirmed phones; many sockets share them (one session per user). */
export async function benchUsers(api: ApiServer, count: number): Promise<ChatUser[]> {
  const users: ChatUser[] = [];
  for (let i = 0; i < count; i++) users.push(await chatUser(api, `Участник ${i} Бенч`));
  return users;
}

/** A group chat created by the first member with the chat key wrapped for every member; returns its id. */
export async function groupChat(api: ApiServer, members: ChatUser[], name: string): Promise<string> {
  const [owner] = members;
  if (!owner) throw new Error("a chat needs a member");
  const chat = await call<Contact>(api, "/api/createChat/", {
    token: owner.token,
    type: 1,
    name,
    keys: keysFor(newChatKey(), members),
  });
  return chat.chatId as string;
}

/** A certchat socket authenticated in the handshake, subscribed to `chats`. */
export async function certchatSocket(url: string, user: ChatUser, chats: string[] = []): Promise<SioClient> {
  const socket = await SioClient.connect(url, { token: user.token });
  for (const chat of chats) await socket.request("subscribe", chat);
  return socket;
}

/** 96 bytes of "ciphertext" carrying a sequence number in its first four bytes, base64 as sent. */
export function textWithSeq(seq: number): string {
  const bytes = Buffer.alloc(96, 7);
  bytes.writeUInt32BE(seq, 0);
  return bytes.toString("base64");
}

const DATA_FIELD = '"data":"';

/**
 * The sequence number of a delivered `messages` packet, read straight from its `data` field (the first
 * 8 base64 characters hold the 4 bytes): no JSON.parse of every delivery in the load generator.
 */
export function seqOfPacket(packet: string): number {
  const at = packet.indexOf(DATA_FIELD);
  if (at < 0) return -1;
  const start = at + DATA_FIELD.length;
  return Buffer.from(packet.slice(start, start + 8), "base64").readUInt32BE(0);
}

/** What the bare relay broadcasts: a message shaped and sized as certchat delivers one. */
export function bareMessage(chat: string, seq: number): Record<string, unknown> {
  return {
    id: seq + 1,
    chat,
    pid: 1,
    cid: 1,
    user: "Участник 0 Бенч",
    data: textWithSeq(seq),
    sign: null,
    cms: null,
    type: "txt",
    file: null,
    time: Math.floor(Date.now() / 1000),
  };
}

/** What a minimal relay broadcasts: the ciphertext alone (in a `data` field, where seqOfPacket reads it). */
export function payloadMessage(seq: number): { data: string } {
  return { data: textWithSeq(seq) };
}
