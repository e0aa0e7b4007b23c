/**
 * A chat's symmetric key. Its kind fixes how the chat's texts and files are encrypted:
 * - "gost28147-cfb": a GOST 28147-89 key and an 8-byte IV, as the deployed Android client makes them;
 *   content is GOST 28147-89 CFB under both (see gost-content.ts). Needed whenever a member holds a
 *   GOST certificate, because the client's key blob has room for nothing else.
 * - "aes-256-gcm": an AES-256 key; content is AES-256-GCM with a fresh nonce per message (content.ts).
 */
import { randomBytes } from "@noble/hashes/utils.js";

export const CHAT_KEY_BYTES = 32;
export const GOST_CHAT_IV_BYTES = 8;

export interface GostChatKey {
  readonly kind: "gost28147-cfb";
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
}

export interface AesChatKey {
  readonly kind: "aes-256-gcm";
  readonly key: Uint8Array;
}

export type ChatKey = GostChatKey | AesChatKey;
export type ChatKeyKind = ChatKey["kind"];

export function generateChatKey(kind: ChatKeyKind): ChatKey {
  const key = randomBytes(CHAT_KEY_BYTES);
  return kind === "gost28147-cfb" ? { kind, key, iv: randomBytes(GOST_CHAT_IV_BYTES) } : { kind, key };
}

/** Checks the sizes of a chat key built by hand (e.g. from storage). */
export function assertChatKey(chatKey: ChatKey): void {
  if (chatKey.key.length !== CHAT_KEY_BYTES) {
    throw new Error(`chat key must be ${CHAT_KEY_BYTES} bytes, got ${chatKey.key.length}`);
  }
  if (chatKey.kind === "gost28147-cfb" && chatKey.iv.length !== GOST_CHAT_IV_BYTES) {
    throw new Error(`GOST chat IV must be ${GOST_CHAT_IV_BYTES} bytes, got ${chatKey.iv.length}`);
  }
}
