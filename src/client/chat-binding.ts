/**
 * What a chat's key rows and epoch commitments are signed over besides its id (docs/CRYPTO.md "Binding a
 * personal chat to its two members"). The server names a chat and says who is in it; a signature over the
 * chat id alone does not stop it from presenting one chat as another. A personal chat joins exactly two
 * profiles, for good, so its keys can be bound to them: the pair binding names both profile ids, and a key
 * committed over it by one of the two is known to those two only.
 */
import { ChatType } from "../protocol/schemas/chats.ts";
import { createBinding } from "./crypto/key-row-signature.ts";

export interface PairBinding {
  /** `pair:<lower pid>:<higher pid>`: cannot be a chat id (a UUID) or a creation binding. */
  readonly binding: string;
  readonly pids: readonly [number, number];
}

export interface ChatBindings {
  /** createChat's binding over type and name (epoch 1 of chats created before the pair binding, and groups). */
  readonly creation: string;
  /** A personal chat's two members; absent for groups and channels, whose membership changes. */
  readonly pair?: PairBinding;
}

/** The pair binding of a personal chat between profiles `a` and `b` (in either order). */
export function pairBinding(a: number, b: number): PairBinding {
  const pids: [number, number] = a < b ? [a, b] : [b, a];
  return { binding: `pair:${pids[0]}:${pids[1]}`, pids };
}

/**
 * A chat's bindings as its contact shows it: `peerPid` is the contact's profile, the other member of a
 * personal chat (the server's word for who that is, checked against the certificates that sign). A personal
 * chat whose contact names the caller itself gets the binding of a pair nobody is in: nothing verifies
 * against it, rather than nothing being required.
 */
export function chatBindings(
  chat: { readonly chatType: number; readonly chatName: string | null },
  ownPid: number,
  peerPid: number,
): ChatBindings {
  const creation = createBinding(chat.chatType, chat.chatName);
  return chat.chatType === ChatType.personal
    ? { creation, pair: pairBinding(ownPid, peerPid) }
    : { creation };
}

/**
 * Whether `chatId`, as the server names a chat, may be signed over (key rows, an epoch's commitment). One shaped
 * like a binding (`pair:`, `create:`; honest chat ids are UUIDs) is the server's: signed, it would stand for
 * another chat's keys — a rotation of a group named after a pair commits that pair to a key the group's members
 * hold.
 */
export function isSignableChatId(chatId: string): boolean {
  return !/^(pair|create):/.test(chatId);
}

/** `chatId`, or throws when it may not be signed over (isSignableChatId). */
export function signableChatId(chatId: string): string {
  if (!isSignableChatId(chatId))
    throw new Error(
      `the server names a chat ${JSON.stringify(chatId)}: that is not a chat id but a key binding`,
    );
  return chatId;
}
