import type { ChatMembersData } from "../../src/protocol/schemas/members.ts";
import { type ChatUser, call, keysFor, newChatKey, profileOf, wrapKey } from "./chats.ts";
import { type ApiServer, issueUser, logIn, registerPhone } from "./server.ts";
import type { AnySocket, LegacySocket } from "./sockets.ts";

/** A group (or channel) of `owner` and `members`, its epoch-1 key wrapped for every certificate of each. */
export async function groupOf(
  server: ApiServer,
  owner: ChatUser,
  members: ChatUser[],
  type: 1 | 2 = 1,
): Promise<{ chat: string; chatKey: Uint8Array }> {
  const chatKey = newChatKey();
  const created = await call<{ chatId: string }>(server, "/api/createChat/", {
    token: owner.token,
    type,
    name: "Отдел",
    keys: keysFor(chatKey, [owner, ...members]),
  });
  return { chat: created.chatId, chatKey };
}

export function membersOf(server: ApiServer, by: ChatUser, chat: string): Promise<ChatMembersData> {
  return call<ChatMembersData>(server, "/api/chatMembers/", { token: by.token, chat });
}

/** `by` adds `added` (history "all"), with the current epoch's key wrapped for each of their certificates. */
export async function addMembers(
  server: ApiServer,
  by: ChatUser,
  chat: string,
  chatKey: Uint8Array,
  added: ChatUser[],
): Promise<ChatMembersData> {
  const { keyId } = await membersOf(server, by, chat);
  const keys = keysFor(chatKey, added).map((key) => ({ ...key, keyId }));
  return call<ChatMembersData>(server, "/api/addMembers/", {
    token: by.token,
    chat,
    keyId,
    history: "all",
    keys,
  });
}

/**
 * `by` removes `pid`, posting a new epoch's key for every certificate of the remaining members that holds the
 * current one; returns the new key and the chat as it is after.
 */
export async function removeMember(
  server: ApiServer,
  by: ChatUser,
  chat: string,
  pid: number,
): Promise<{ chatKey: Uint8Array; after: ChatMembersData }> {
  const before = await membersOf(server, by, chat);
  const chatKey = newChatKey();
  const keys = before.members
    .filter((member) => member.pid !== pid)
    .flatMap((member) =>
      member.certificates
        .filter((certificate) => certificate.hasKey)
        .map((certificate) => ({
          pid: member.pid,
          cid: certificate.id,
          key: wrapKey(chatKey, certificate.cert),
        })),
    );
  const after = await call<ChatMembersData>(server, "/api/removeMember/", {
    token: by.token,
    chat,
    pid,
    keyId: before.keyId,
    version: before.version,
    keys,
  });
  return { chatKey, after };
}

/**
 * The user's certificate renewed: a new certificate for the same person logs in and joins the profile with the
 * SMS code sent to the profile's phone. Returns the user as that new session sees it.
 */
export async function renew(server: ApiServer, user: ChatUser): Promise<ChatUser> {
  const renewed = await issueUser(server, { name: user.name, snils: user.snils });
  const token = await logIn(server, renewed);
  await registerPhone(server, token, user.phone);
  return { ...user, user: renewed, token, ...(await profileOf(server, token)) };
}

/** The certificate (base64 DER) of a user's session. */
export function sessionCert(user: ChatUser): string {
  const certificate = user.certificates.find((candidate) => candidate.id === user.cid);
  if (!certificate) throw new Error("the session certificate is not among the profile's");
  return certificate.cert;
}

const WAIT_MS = 10_000;

/** Resolves on the socket's next `event` about `chatId` (membership events carry `chatId`). */
export function nextChatEvent<T extends { chatId: string }>(
  socket: AnySocket,
  event: string,
  chatId: string,
  ms = WAIT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${event} for chat ${chatId}`));
    }, ms);
    const listener = (payload: unknown) => {
      if ((payload as Partial<T> | undefined)?.chatId !== chatId) return;
      clearTimeout(timer);
      off();
      resolve(payload as T);
    };
    const legacy = socket as LegacySocket;
    const off = () => legacy.off(event, listener);
    legacy.on(event, listener);
  });
}
