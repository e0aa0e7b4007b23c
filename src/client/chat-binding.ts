/**
 * What a chat's key rows and epoch commitments are signed over besides its id (docs/CRYPTO.md "Binding a
 * personal chat to its two members"). The server names a chat and says who is in it; a signature over the
 * chat id alone does not stop it from presenting one chat as another. A personal chat joins exactly two
 * people, for good, so its keys can be bound to them: the pair binding names both members' certificate
 * identities (CertificateTrust's `identity`: SNILS and OGRN from a qualified CA, else issuer and subject DN),
 * which the server cannot forge or swap — profile ids are its word (it could tell a session that its own profile is Mallory's) — and a key
 * committed over it by one of the two is known to those two only.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ChatType } from "../protocol/schemas/chats.ts";
import type { CertificateTrust } from "./certificate-trust.ts";
import { createBinding } from "./crypto/key-row-signature.ts";

export interface PairBinding {
  /** `pair:` ‖ hex(SHA-256(UTF-8 JSON of the two identities, sorted)): no chat id (a UUID) or creation binding. */
  readonly binding: string;
  /** The two members' certificate identities, sorted: a certificate of the pair carries one of them. */
  readonly identities: readonly [string, string];
  /** The two profiles as the server names them, in the identities' order (checked, never bound). */
  readonly pids: readonly [number, number];
}

export interface ChatBindings {
  /** createChat's binding over type and name (epoch 1 of chats created before the pair binding, and groups). */
  readonly creation: string;
  /** A personal chat's two members; absent for groups and channels, whose membership changes. */
  readonly pair?: PairBinding;
}

/** One member of a personal chat: its profile as the server names it and its certificate identity. */
export interface PairMember {
  readonly pid: number;
  readonly identity: string;
}

/** The pair binding of a personal chat between `a` and `b` (in either order). */
export function pairBinding(a: PairMember, b: PairMember): PairBinding {
  const [first, second] = a.identity <= b.identity ? [a, b] : [b, a];
  const identities: [string, string] = [first.identity, second.identity];
  const digest = sha256(new TextEncoder().encode(JSON.stringify(identities)));
  return { binding: `pair:${bytesToHex(digest)}`, identities, pids: [first.pid, second.pid] };
}

/**
 * A chat's bindings: a personal chat's from its two members (`own`, and `peer`, the contact's profile with the
 * identity trusted for it; the caller makes an unknown identity one that no certificate carries, so that nothing
 * verifies rather than nothing being required); a group's or channel's from its type and name only.
 */
export function chatBindings(
  chat: { readonly chatType: number; readonly chatName: string | null },
  own: PairMember,
  peer: PairMember,
): ChatBindings {
  const creation = createBinding(chat.chatType, chat.chatName);
  return chat.chatType === ChatType.personal ? { creation, pair: pairBinding(own, peer) } : { creation };
}

/**
 * Whether `certificate` carries one of the pair's identities as `trust` reads it (what is not a certificate, or
 * does not chain, does not).
 */
export async function isPairCertificate(
  pair: PairBinding,
  certificate: Uint8Array | undefined,
  trust: CertificateTrust,
): Promise<boolean> {
  const identity = await trust.identity(certificate);
  return identity !== undefined && pair.identities.includes(identity);
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
