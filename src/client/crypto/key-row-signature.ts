/**
 * Key-row signatures (docs/CRYPTO.md "Key-row signatures"): the wrapper of a chat key signs, with its raw
 * certificate signature, which chat, epoch and recipient certificate the wrapped key is for. Standard wraps
 * (ephemeral ECDH, RSA-OAEP) do not authenticate their maker, so without it the server could hand a member a
 * key of its own choosing.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
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

/** "verified": present and valid; "unsigned": an epoch-1 GOST row without `sign` (v1 createChat, older clients). */
export type KeyRowVerdict = "verified" | "unsigned";

const DOMAIN = new TextEncoder().encode("certchat key row v1");
/** The first byte of the Android client's GOST blob (the low byte of its SIMPLEBLOB length, 73): no scheme tag. */
const GOST_BLOB_FIRST_BYTE = 0x49;

/**
 * What createChat's rows are signed over in place of the chat id, which the server names only when it stores
 * them: the chat's type and name, which every member reads in `contacts` (docs/CRYPTO.md "Key-row
 * signatures"). A row of another chat of another type or name does not verify; "create:" cannot be a chat id.
 */
export function createBinding(type: number, name: string | null): string {
  return `create:${bytesToHex(sha256(new TextEncoder().encode(JSON.stringify([type, name ?? ""]))))}`;
}

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

/** Evidence against a row: unsigned where a signature is required, not base64, or not verifying. */
export class KeyRowSignatureRejected extends Error {
  override readonly name = "KeyRowSignatureRejected";
}

/**
 * Checks a row's `sign` against the certificate that wrapped it (the row's `cert`, whose trust the caller
 * checks): throws KeyRowSignatureRejected when the signature does not verify (or is not base64), and when a
 * row of a later epoch has none, so such a key is never used; a plain Error when this client's verifier
 * cannot check it (no evidence against the row). An epoch-1 row may be unsigned (v1 createChat) when it is a GOST
 * blob, or signed over one of the chat's creation `bindings` (createChat's rows: a personal chat's pair binding,
 * or the older type-and-name binding). v1 clients wrap GOST blobs only, whose static VKO takes the wrapper's
 * private key; an unsigned standard wrap (ephemeral, anyone can make one) is the server's.
 */
export async function verifyKeyRow(
  verifier: SignatureVerifier,
  wrapperCertificate: Uint8Array,
  row: KeyRowFields,
  sign: string | null | undefined,
  bindings: readonly string[] = [],
): Promise<KeyRowVerdict> {
  const where = `the key row of chat ${row.chatId}, epoch ${row.keyId}, certificate ${row.cid}`;
  if (sign === null || sign === undefined || sign === "") {
    if (row.keyId === 1 && row.wrappedKey[0] === GOST_BLOB_FIRST_BYTE) return "unsigned";
    throw new KeyRowSignatureRejected(
      `${where}: it is not signed (only epoch-1 GOST rows of v1 clients may be unsigned)`,
    );
  }
  const signature = decodeBase64(sign);
  if (!signature) throw new KeyRowSignatureRejected(`${where}: its signature is not base64`);
  const forms = [row, ...(row.keyId === 1 ? bindings.map((chatId) => ({ ...row, chatId })) : [])];
  let valid = false;
  try {
    for (const form of forms) {
      valid = await verifier.raw(wrapperCertificate, keyRowSignedBytes(form), signature);
      if (valid) break;
    }
  } catch (cause) {
    throw new Error(`${where}: its signature cannot be checked`, { cause });
  }
  if (!valid)
    throw new KeyRowSignatureRejected(
      `${where}: its signature does not verify against the wrapping certificate`,
    );
  return "verified";
}

function toU64(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer`);
  return BigInt(value);
}
