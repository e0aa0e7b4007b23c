/**
 * Texts and files of a GOST chat, as the deployed Android client encrypts them: GOST 28147-89 CFB with the
 * tc26 param-Z S-box under the chat key and the chat's IV, no header, output length = input length.
 *
 * The IV is the chat's, not the message's, so every message of a chat starts from the same CFB state: two
 * messages that share a first block reveal that, and the XOR of their first differing blocks leaks. There
 * is no integrity either (the message signature is the only protection). We keep the format anyway: it is
 * what the deployed client reads and writes, and chats with a GOST member must stay readable by it.
 *
 * Key meshing: CryptoPro parameter sets (RFC 4357 §10.3, §11.2) and tc26 param-Z carry
 * id-Gost28147-89-CryptoPro-KeyMeshing, and CryptoPro CSP (like gost-engine's gost89 cipher and CMS per
 * RFC 4490 / TK26) applies it to CFB with such a key: the 2200-byte TK26 CMS example in param-Z only
 * decrypts with meshing. So meshing is on by default; `keyMeshing: false` is there in case a client turns
 * out to differ (the two only differ after the first 1024 bytes).
 */
import { gost28147DecryptCfb, gost28147EncryptCfb } from "../../crypto/gost/gost28147.ts";
import { assertChatKey, type GostChatKey } from "./chat-key.ts";
import { GOST_CHAT_SBOX } from "./gost-chat-key.ts";

export interface GostContentOptions {
  /** CryptoPro key meshing every 1024 bytes (RFC 4357 §2.3.2). Default true. */
  readonly keyMeshing?: boolean;
}

export function encryptGostContent(
  chatKey: GostChatKey,
  plaintext: Uint8Array,
  options: GostContentOptions = {},
): Uint8Array {
  assertChatKey(chatKey);
  return gost28147EncryptCfb(chatKey.key, chatKey.iv, plaintext, cfbOptions(options));
}

/** CFB has no integrity check: a wrong key or a corrupted text decrypts to garbage, it does not throw. */
export function decryptGostContent(
  chatKey: GostChatKey,
  ciphertext: Uint8Array,
  options: GostContentOptions = {},
): Uint8Array {
  assertChatKey(chatKey);
  return gost28147DecryptCfb(chatKey.key, chatKey.iv, ciphertext, cfbOptions(options));
}

function cfbOptions(options: GostContentOptions) {
  return { sbox: GOST_CHAT_SBOX, keyMeshing: options.keyMeshing ?? true };
}
