/**
 * Key-row signatures (docs/CRYPTO.md "Key-row signatures"): the wrapper of a chat key signs, with its raw
 * certificate signature, which chat, epoch and recipient certificate the wrapped key is for. Standard wraps
 * (ephemeral ECDH, RSA-OAEP) do not authenticate their maker, so without it the server could hand a member a
 * key of its own choosing.
 */
import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import type { Signer } from "../signing.ts";
import type { SignatureVerifier } from "../verification.ts";

/** What a key row's signature covers. */
export interface KeyRowFields {
  readonly chatId: string;
  /** The epoch (`keyId`) the wrapped key belongs to. */
  readonly keyId: number;
  /** The recipient certificate's id. */
  readonly cid: number;
  /** The wrapped key as stored (the decoded `key`). */
  readonly wrappedKey: Uint8Array;
}

/** "verified": present and valid; "unsigned": the row has no `sign` (v1 createChat, older clients). */
export type KeyRowVerdict = "verified" | "unsigned";

const DOMAIN = new TextEncoder().encode("certchat key row v1");

/**
 * The chat id createChat's rows are signed over: the server names the chat only when it stores them, so
 * epoch-1 rows made by createChat bind epoch, recipient and key but not the chat (docs/CRYPTO.md).
 */
export const CREATE_CHAT_ID = "";

/**
 * The signed bytes: "certchat key row v1" ‖ 0x00 ‖ UTF-8(chatId) ‖ 0x00 ‖ u64be(keyId) ‖ u64be(cid) ‖ wrapped
 * key. Chat ids contain no NUL, so the separators are unambiguous; the wrapped key is last and runs to the end.
 */
export function keyRowSignedBytes(row: KeyRowFields): Uint8Array {
  const chatId = new TextEncoder().encode(row.chatId);
  if (chatId.includes(0)) throw new Error("a chat id cannot contain NUL");
  const out = new Uint8Array(DOMAIN.length + 1 + chatId.length + 1 + 16 + row.wrappedKey.length);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(DOMAIN, at);
  at += DOMAIN.length + 1;
  out.set(chatId, at);
  at += chatId.length + 1;
  view.setBigUint64(at, toU64(row.keyId, "keyId"));
  view.setBigUint64(at + 8, toU64(row.cid, "cid"));
  out.set(row.wrappedKey, at + 16);
  return out;
}

/** The row's `sign`: base64 of the signer's raw signature over keyRowSignedBytes. */
export async function signKeyRow(signer: Pick<Signer, "sign">, row: KeyRowFields): Promise<string> {
  return encodeBase64(await signer.sign(keyRowSignedBytes(row)));
}

/**
 * Checks a row's `sign` against the certificate that wrapped it (the row's `cert`): throws when a signature
 * is present but does not verify (or is not base64), so such a key is never used. An epoch-1 row may also be
 * signed over CREATE_CHAT_ID (createChat's rows).
 */
export async function verifyKeyRow(
  verifier: SignatureVerifier,
  wrapperCertificate: Uint8Array,
  row: KeyRowFields,
  sign: string | null | undefined,
): Promise<KeyRowVerdict> {
  if (sign === null || sign === undefined || sign === "") return "unsigned";
  const signature = decodeBase64(sign);
  const where = `the key row of chat ${row.chatId}, epoch ${row.keyId}, certificate ${row.cid}`;
  if (!signature) throw new Error(`${where}: its signature is not base64`);
  const forms = row.keyId === 1 ? [row, { ...row, chatId: CREATE_CHAT_ID }] : [row];
  let valid = false;
  try {
    for (const form of forms) {
      valid = await verifier.raw(wrapperCertificate, keyRowSignedBytes(form), signature);
      if (valid) break;
    }
  } catch (cause) {
    throw new Error(`${where}: its signature cannot be checked`, { cause });
  }
  if (!valid) throw new Error(`${where}: its signature does not verify against the wrapping certificate`);
  return "verified";
}

function toU64(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer`);
  return BigInt(value);
}
