/**
 * Automatic fulfilment of wait lists (docs/CRYPTO.md "Key epochs"): a member certificate without a chat key
 * (a renewed or newly added certificate) waits until a member whose client holds the key wraps it, signs the
 * row and posts it with `chatsKeys`. This module decides which entries this session can serve, wraps and
 * signs them, and posts at most 1000 rows and about 900 KiB per request; only certificates the client trusts
 * for their profile (CertificateTrust) are served; events are served after a 0–2 s random delay so the
 * members online at once rarely all post the same rows (the server skips duplicates anyway).
 */

import { gostPublicKeyFromSpki } from "../crypto/gost/spki.ts";
import { decodeBase64, encodeBase64 } from "../protocol/base64.ts";
import type { CertchatApi } from "./api.ts";
import { type CertificateTrust, NO_ANCHORS } from "./certificate-trust.ts";
import { type ChatBindings, isPairCertificate, isSignableChatId } from "./chat-binding.ts";
import type { ChatKeyring, HeldKey } from "./chat-keyring.ts";
import {
  type ChatKey,
  certificatePublicKey,
  chooseScheme,
  type OwnKey,
  wrapChatKeyFor,
} from "./crypto/index.ts";
import { signKeyRow } from "./crypto/key-row-signature.ts";
import type { Signer } from "./signing.ts";

/** The fields of a wait-list entry fulfilment reads (WaitEntry, docs/API.md). */
export interface WaitingCertificate {
  readonly pid: number;
  readonly cid: number;
  /** DER, base64. */
  readonly cert: string;
  /** The epochs the certificate may read and lacks. */
  readonly keyIds: readonly number[];
  /** Rows it refused (refuseKeys): member `pid` may not serve epoch `keyId` to it again. */
  readonly refused?: readonly { readonly keyId: number; readonly pid: number }[];
}

export interface ChatWaitList {
  readonly chatId: string;
  readonly waitList: readonly WaitingCertificate[];
}

/** One row to wrap: the epoch's key for a waiting certificate. */
export interface PlannedKeyRow {
  readonly chatId: string;
  readonly pid: number;
  readonly cid: number;
  readonly recipient: Uint8Array;
  readonly keyId: number;
  readonly chatKey: ChatKey;
}

/** A `chatsKeys` row. */
export interface FulfilmentRow {
  readonly chatId: string;
  readonly pid: number;
  readonly cid: number;
  readonly keyId: number;
  readonly key: string;
  readonly sign: string;
}

export const MAX_ROWS_PER_REQUEST = 1000;
/** Under the server's 1 MiB request body, with room for the token and the JSON around the rows. */
export const MAX_REQUEST_BYTES = 900 * 1024;
const JITTER_MS = 2_000;

/**
 * Why this session cannot wrap `chatKey` for `recipient`, or undefined when it can. Standard recipients get
 * any key kind from anyone (ephemeral agreement). GOST recipients need a GOST chat key (the Android blob
 * holds nothing else) and a wrapper of the same key-agreement group: static VKO with a GOST key of the same
 * algorithm family on the same curve domain (the server's `wrapWith`).
 */
export function wrapRefusal(
  own: { readonly certificate: Uint8Array; readonly ownKey: OwnKey },
  recipient: Uint8Array,
  chatKey: ChatKey,
): string | undefined {
  let recipientScheme: string;
  try {
    recipientScheme = chooseScheme(certificatePublicKey(recipient));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  if (!recipientScheme.startsWith("gost")) return undefined;
  if (chatKey.kind !== "gost28147-cfb") return "a GOST certificate can only receive a GOST chat key";
  if (own.ownKey.kind !== "gost") return "only a GOST key can wrap for a GOST certificate (static VKO)";
  const ownPublic = certificatePublicKey(own.certificate);
  if (chooseScheme(ownPublic) !== recipientScheme) return "the GOST key algorithms differ (VKO 2001 / 2012)";
  const domain = gostPublicKeyFromSpki(certificatePublicKey(recipient).spki).curve.domainName;
  if (domain !== own.ownKey.curve.domainName) return `the recipient's key is on another curve (${domain})`;
  return undefined;
}

/**
 * The rows this session can serve: every listed epoch it holds, for every entry but its own certificate,
 * skipping what it cannot wrap for (wrapRefusal) and epochs whose row from this member the recipient refused. Pure: `held` gives the keys already in the keyring.
 */
export function planFulfilment(
  waits: readonly ChatWaitList[],
  own: {
    readonly pid: number;
    readonly cid: number;
    readonly certificate: Uint8Array;
    readonly ownKey: OwnKey;
  },
  held: (chatId: string, keyId: number) => HeldKey | undefined,
): PlannedKeyRow[] {
  const rows: PlannedKeyRow[] = [];
  for (const { chatId, waitList } of waits) {
    for (const entry of waitList) {
      if (entry.cid === own.cid) continue;
      const recipient = decodeBase64(entry.cert);
      if (!recipient) continue;
      for (const keyId of entry.keyIds) {
        if (entry.refused?.some((refusal) => refusal.keyId === keyId && refusal.pid === own.pid)) continue;
        const key = held(chatId, keyId);
        if (!key || wrapRefusal(own, recipient, key.chatKey) !== undefined) continue;
        rows.push({ chatId, pid: entry.pid, cid: entry.cid, recipient, keyId, chatKey: key.chatKey });
      }
    }
  }
  return rows;
}

/**
 * The wait lists without the entries this client does not trust (CertificateTrust.recipientProblem): a
 * certificate the server lists is served only when it chains to an anchor and carries its profile's
 * trusted identity. `learn` is asked once per chat whose waiting profiles are not known yet.
 */
export async function trustedWaits(
  waits: readonly ChatWaitList[],
  trust: CertificateTrust,
  learn?: (chatId: string) => Promise<void>,
): Promise<ChatWaitList[]> {
  const out: ChatWaitList[] = [];
  for (const { chatId, waitList } of waits) {
    if (learn && waitList.some((entry) => !trust.knows(entry.pid))) await learn(chatId);
    const kept: WaitingCertificate[] = [];
    for (const entry of waitList) {
      const der = decodeBase64(entry.cert);
      if (der && (await trust.recipientProblem(entry.pid, der)) === undefined) kept.push(entry);
    }
    out.push({ chatId, waitList: kept });
  }
  return out;
}

/**
 * The wait lists without the entries of profiles that cannot be members (`bindings`, chat-binding.ts): a personal
 * chat's keys go to its two members only, whoever else the server lists as waiting there (its pair-bound keys are
 * known to those two only). A chat whose bindings are not known (not among the caller's chats) is not served: it
 * may be a personal chat; nor is one whose id is no chat id to sign over (signableChatId).
 */
export async function memberWaits(
  waits: readonly ChatWaitList[],
  bindings: (chatId: string) => Promise<ChatBindings | undefined>,
  trust: CertificateTrust,
): Promise<ChatWaitList[]> {
  const out: ChatWaitList[] = [];
  for (const { chatId, waitList } of waits) {
    const known = await bindings(chatId);
    if (!known || !isSignableChatId(chatId)) continue;
    const { pair } = known;
    const members: WaitingCertificate[] = [];
    for (const entry of waitList)
      if (pair === undefined || (await isPairCertificate(pair, decodeBase64(entry.cert), trust)))
        members.push(entry);
    out.push({ chatId, waitList: members });
  }
  return out;
}

/**
 * Splits rows into requests of at most `maxRows` rows and about `maxBytes` of JSON each (a row alone over
 * the limit still goes, alone).
 */
export function batchRows<T>(rows: readonly T[], maxRows: number, maxBytes: number): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const row of rows) {
    const size = JSON.stringify(row).length + 1;
    if (batch.length > 0 && (batch.length >= maxRows || bytes + size > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Wraps and signs planned rows (the signature binds chat, epoch, recipient and wrapped key). */
export async function wrapPlannedRows(
  rows: readonly PlannedKeyRow[],
  signer: Signer,
): Promise<FulfilmentRow[]> {
  const senderKey = signer.ownKey.kind === "gost" ? signer.ownKey : undefined;
  const out: FulfilmentRow[] = [];
  for (const row of rows) {
    const wrappedKey = await wrapChatKeyFor({
      chatKey: row.chatKey,
      recipientCertificate: row.recipient,
      ...(senderKey ? { senderKey } : {}),
    });
    const sign = await signKeyRow(signer, { chatId: row.chatId, keyId: row.keyId, cid: row.cid, wrappedKey });
    out.push({
      chatId: row.chatId,
      pid: row.pid,
      cid: row.cid,
      keyId: row.keyId,
      key: encodeBase64(wrappedKey),
      sign,
    });
  }
  return out;
}

export interface KeyFulfillerOptions {
  readonly api: CertchatApi;
  readonly keyring: ChatKeyring;
  readonly signer: Signer;
  readonly ownCid: () => Promise<number>;
  readonly ownPid: () => Promise<number>;
  readonly trust: CertificateTrust;
  /** Learns a chat's current members' identities (chatMembers), for waiting profiles not known yet. */
  readonly learnMembers?: (chatId: string) => Promise<void>;
  /** What each chat's keys are bound to (chat-binding.ts): a personal chat's go to its two members only. */
  readonly bindings: (chatId: string) => Promise<ChatBindings | undefined>;
  /** A background fulfilment that failed (network, a refusal): reported, never thrown. */
  readonly onError?: (error: unknown) => void;
  /** [0, 1), for the jitter; Math.random by default. */
  readonly random?: () => number;
}

export class KeyFulfiller {
  /** Chats with a fulfilment waiting for its jitter → their latest wait list. */
  private readonly pending = new Map<string, ChatWaitList>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: KeyFulfillerOptions) {}

  /**
   * Serves these wait lists now: fetches the listed epochs not held yet (`keys`), wraps, signs and posts.
   * Returns the number of rows posted (rows the server already had count as served).
   */
  async fulfil(waits: readonly ChatWaitList[]): Promise<number> {
    const { keyring, signer, trust } = this.options;
    if (!trust.canWrap && waits.some((wait) => wait.waitList.length > 0))
      throw new Error(`not serving wait lists: ${NO_ANCHORS}`);
    const members = await memberWaits(waits, this.options.bindings, trust);
    const withEntries = (await trustedWaits(members, trust, this.options.learnMembers)).filter(
      (wait) => wait.waitList.length > 0,
    );
    if (withEntries.length === 0) return 0;
    const cid = await this.options.ownCid();
    for (const { chatId, waitList } of withEntries) {
      const keyIds = [...new Set(waitList.flatMap((entry) => (entry.cid === cid ? [] : entry.keyIds)))];
      // Epochs we cannot get (not a holder, or a row refused) are simply not served.
      if (keyIds.length > 0) await keyring.fetch(chatId, keyIds);
    }
    const planned = planFulfilment(
      withEntries,
      { pid: await this.options.ownPid(), cid, certificate: signer.certificate, ownKey: signer.ownKey },
      (chatId, keyId) => keyring.held(chatId, keyId),
    );
    const rows = await wrapPlannedRows(planned, signer);
    for (const batch of batchRows(rows, MAX_ROWS_PER_REQUEST, MAX_REQUEST_BYTES)) {
      await this.options.api.call("chatsKeys", { keys: batch });
    }
    return rows.length;
  }

  /** Serves a chat's wait list after a 0–2 s random delay; a newer list for the chat replaces a pending one. */
  schedule(wait: ChatWaitList): void {
    if (this.stopped) return;
    this.pending.set(wait.chatId, wait);
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const waits = [...this.pending.values()];
        this.pending.clear();
        this.fulfil(waits).catch((error: unknown) => this.options.onError?.(error));
      },
      (this.options.random ?? Math.random)() * JITTER_MS,
    );
  }

  /** Drops pending work (the socket closed). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
