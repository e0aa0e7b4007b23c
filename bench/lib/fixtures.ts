import type { Contact } from "../../src/protocol/schemas/chats.ts";
import { call, chatServerEnv, chatUser, keysFor, newChatKey } from "../../test/support/chats.ts";
import { type ApiServer, startTestServer, type TestServer } from "../../test/support/server.ts";
import type { Backend } from "../../test/support/storage.ts";

/** A real certchat server on loopback (test CA, recording SMS gateway) on a fresh, temporary database. */
export function startBenchServer(
  backend?: Backend,
  caAlg?: "ecdsa-p256" | "gost2012-256",
): Promise<TestServer> {
  return startTestServer({ env: chatServerEnv, backend, caAlg });
}

/** A logged-in user with a confirmed phone and a group chat of its own to post in. */
export interface Sender {
  token: string;
  cid: number;
  chat: string;
}

export async function sendersWithChats(server: ApiServer, count: number): Promise<Sender[]> {
  const senders: Sender[] = [];
  for (let i = 0; i < count; i++) {
    const user = await chatUser(server, `Отправитель ${i} Бенч`);
    const chat = await call<Contact>(server, "/api/createChat/", {
      token: user.token,
      type: 1,
      name: `bench ${i}`,
      keys: keysFor(newChatKey(), [user]),
    });
    senders.push({ token: user.token, cid: user.cid, chat: chat.chatId as string });
  }
  return senders;
}

/** A message as a client sends it: 96 bytes of "ciphertext". */
export const benchText = Buffer.alloc(96, 7).toString("base64");
