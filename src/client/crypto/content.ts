/**
 * Texts and files of a chat with an AES chat key: AES-256-GCM with a fresh random 96-bit nonce per message.
 *
 *   byte 0      format tag 0x01 (AES-256-GCM, version 1); also the AEAD's associated data
 *   bytes 1..12 nonce
 *   bytes 13..  ciphertext || 16-byte GCM tag
 */
import { concatBytes, randomBytes } from "@noble/hashes/utils.js";
import { type AesChatKey, assertChatKey } from "./chat-key.ts";
import { bufferSource, subtle } from "./webcrypto.ts";

const AES_GCM_CONTENT_TAG = 0x01;
const NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;

export async function encryptAesGcmContent(chatKey: AesChatKey, plaintext: Uint8Array): Promise<Uint8Array> {
  const header = Uint8Array.of(AES_GCM_CONTENT_TAG);
  const nonce = randomBytes(NONCE_BYTES);
  const sealed = await subtle().encrypt(
    gcmParams(nonce, header),
    await importKey(chatKey, "encrypt"),
    bufferSource(plaintext),
  );
  return concatBytes(header, nonce, new Uint8Array(sealed));
}

/** Throws when the content is not in this format or fails authentication (wrong key, tampered bytes). */
export async function decryptAesGcmContent(chatKey: AesChatKey, content: Uint8Array): Promise<Uint8Array> {
  if (content.length < 1 + NONCE_BYTES + GCM_TAG_BYTES) {
    throw new Error(`AES-GCM content is too short (${content.length} bytes)`);
  }
  if (content[0] !== AES_GCM_CONTENT_TAG) {
    throw new Error(`unknown content format tag 0x${(content[0] ?? 0).toString(16).padStart(2, "0")}`);
  }
  const header = content.subarray(0, 1);
  const nonce = content.subarray(1, 1 + NONCE_BYTES);
  const key = await importKey(chatKey, "decrypt");
  try {
    const opened = await subtle().decrypt(
      gcmParams(nonce, header),
      key,
      bufferSource(content.subarray(1 + NONCE_BYTES)),
    );
    return new Uint8Array(opened);
  } catch (cause) {
    throw new Error("AES-GCM content failed authentication (wrong chat key or tampered ciphertext)", {
      cause,
    });
  }
}

function gcmParams(nonce: Uint8Array, header: Uint8Array): AesGcmParams {
  return {
    name: "AES-GCM",
    iv: bufferSource(nonce),
    additionalData: bufferSource(header),
    tagLength: GCM_TAG_BYTES * 8,
  };
}

function importKey(chatKey: AesChatKey, usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
  assertChatKey(chatKey);
  return subtle().importKey("raw", bufferSource(chatKey.key), "AES-GCM", false, [usage]);
}
