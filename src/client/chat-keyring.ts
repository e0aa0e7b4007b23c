/**
 * The chat keys a session holds, per chat and epoch (docs/CRYPTO.md "Key epochs"): chatId → keyId → key, and
 * each chat's current epoch. Rows come from `contacts` (the current epoch) and `keys` (any epoch); each is
 * unwrapped with our key and the row's wrapping certificate after its `sign` verified (D8): the wrapper must
 * chain to a trust anchor and carry a trusted member's identity, and only epoch-1 rows may be unsigned (v1
 * createChat). An epoch-1 row may be signed over the chat's creation binding instead of its id (createChat).
 * The unwrapped key is then checked against the epoch's commitment, when it has one (docs/CRYPTO.md "Epoch key
 * commitments"): signed by a trusted member for this chat and epoch, and matching, or the key is not used. A
 * personal chat's commitment may bind its two members (src/client/chat-binding.ts); its signer must then be one
 * of them, and the held key says so (`committedTo`).
 */
import { decodeBase64 } from "../protocol/base64.ts";
import type { EpochCommitmentView } from "../protocol/schemas/members.ts";
import type { CertificateTrust } from "./certificate-trust.ts";
import { type ChatBindings, isPairCertificate } from "./chat-binding.ts";
import {
  type CommitmentVerdict,
  type EpochBinding,
  matchesCommitment,
  verifiedBinding,
} from "./crypto/epoch-commitment.ts";
import { type ChatKey, type OwnKey, unwrapChatKey } from "./crypto/index.ts";
import { KeyRowSignatureRejected, type KeyRowVerdict, verifyKeyRow } from "./crypto/key-row-signature.ts";
import type { SignatureVerifier } from "./verification.ts";

/** A key row as `contacts` (ContactKey) and `keys` (ChatKeyRow) give it. */
export interface WrappedKeyRow {
  readonly keyId: number;
  /** The wrapped key, base64. */
  readonly key: string;
  /** DER of the wrapping certificate, base64. */
  readonly cert: string;
  readonly sign?: string | null;
  /** The epoch's key commitment; null or absent for an epoch without one (older epochs, older servers). */
  readonly commitment?: EpochCommitmentView | null;
}

export interface HeldKey {
  readonly keyId: number;
  readonly chatKey: ChatKey;
  readonly signature: KeyRowVerdict;
  /** "absent": the epoch has no commitment, so the key is the row's word alone (as before commitments). */
  readonly commitment: CommitmentVerdict;
  /**
   * What the matched commitment was signed over: "pair" (a personal chat's two members, by one of them), "chat"
   * (the chat id), "creation" (createChat's type and name); "none" without a commitment.
   */
  readonly committedTo: CommittedTo;
  /**
   * Whether the commitment's signer chains now. One that expired since still vouches for reading the epoch (a
   * renewal must not cost its keys); sending in a personal chat wants a signer whose key is still in use.
   */
  readonly committerCurrent: boolean;
}

export type CommittedTo = "pair" | "chat" | "creation" | "none";

/** Fetches this certificate's rows of `chatId` for the given epochs (all when absent): the `keys` method. */
export type FetchKeyRows = (chatId: string, keyIds?: readonly number[]) => Promise<readonly WrappedKeyRow[]>;

export interface ChatKeyringOptions {
  readonly ownKey: OwnKey;
  /** The session certificate's id: the recipient every row is wrapped for (and signed over). */
  readonly ownCid: () => Promise<number>;
  readonly verifier: SignatureVerifier;
  readonly fetchRows: FetchKeyRows;
  readonly trust: CertificateTrust;
  /** What the chat's keys may be signed over besides its id (chat-binding.ts), or undefined when unknown. */
  readonly bindings?: (chatId: string) => Promise<ChatBindings | undefined>;
  /** Learns the chat's current members' identities (chatMembers) when a wrapper's is not trusted yet. */
  readonly learnMembers?: (chatId: string) => Promise<void>;
  /** Gives back this certificate's rows of those epochs that did not verify or unwrap (refuseKeys). */
  readonly refuseRows?: (chatId: string, keyIds: readonly number[]) => Promise<void>;
}

/**
 * A key row whose signature did not verify, that did not unwrap with our key, or that unwrapped to a key other than
 * the one its epoch's creator committed to: evidence against the row.
 */
export class BadKeyRowError extends Error {
  constructor(
    readonly keyId: number,
    cause: unknown,
  ) {
    super(
      `the key row of epoch ${keyId} does not verify, unwrap or match its epoch's commitment: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
    this.name = "BadKeyRowError";
  }
}

export class ChatKeyring {
  private readonly keys = new Map<string, Map<number, HeldKey>>();
  private readonly currents = new Map<string, number>();
  /** Chats whose every epoch was fetched since their current epoch last moved: nothing more to ask. */
  private readonly complete = new Set<string>();

  constructor(private readonly options: ChatKeyringOptions) {}

  /** The chat's current epoch as last heard (contacts, events); undefined before anything was heard. */
  current(chatId: string): number | undefined {
    return this.currents.get(chatId);
  }

  /** Epochs only move forward: a late event about an older epoch does not move it back. */
  setCurrent(chatId: string, keyId: number): void {
    if (keyId <= (this.currents.get(chatId) ?? 0)) return;
    this.currents.set(chatId, keyId);
    this.complete.delete(chatId);
  }

  /** The held key of an epoch, without fetching. */
  held(chatId: string, keyId: number): HeldKey | undefined {
    return this.keys.get(chatId)?.get(keyId);
  }

  /** Every epoch held for the chat, newest first. */
  allHeld(chatId: string): HeldKey[] {
    return [...(this.keys.get(chatId)?.values() ?? [])].sort((a, b) => b.keyId - a.keyId);
  }

  /** Forgets a chat (removed from it, or it was left). */
  drop(chatId: string): void {
    this.keys.delete(chatId);
    this.currents.delete(chatId);
    this.complete.delete(chatId);
  }

  /** Keeps a key this client made itself (a rotation, which it committed to): nothing to unwrap or verify. */
  remember(chatId: string, keyId: number, chatKey: ChatKey, committedTo: CommittedTo): void {
    this.slot(chatId).set(keyId, {
      keyId,
      chatKey,
      signature: "verified",
      commitment: "matched",
      committedTo,
      committerCurrent: true,
    });
  }

  /**
   * Verifies (when signed) and unwraps a row, and checks the key against its epoch's commitment (when it has one);
   * throws when its signature is invalid, it does not unwrap, or the commitment does not verify or match.
   */
  async add(chatId: string, row: WrappedKeyRow): Promise<HeldKey> {
    const wrappedKey = decodeStrict(row.key, "key");
    const wrapper = decodeStrict(row.cert, "cert");
    const cid = await this.options.ownCid();
    await this.checkWrapper(chatId, row.keyId, wrapper);
    const bindings = await this.options.bindings?.(chatId);
    const signature = await verifyKeyRow(
      this.options.verifier,
      wrapper,
      { chatId, keyId: row.keyId, cid, wrappedKey },
      row.sign,
      [bindings?.pair?.binding, bindings?.creation].filter((binding) => binding !== undefined),
    ).catch((error: unknown) => {
      // A signature this client cannot check is no evidence against the row: it is not given back.
      throw error instanceof KeyRowSignatureRejected ? new BadKeyRowError(row.keyId, error) : error;
    });
    const chatKey = await unwrapChatKey({
      wrappedKey,
      ownKey: this.options.ownKey,
      wrappingCertificate: wrapper,
    }).catch((error: unknown) => {
      throw new BadKeyRowError(row.keyId, error);
    });
    const { committedTo, committerCurrent } = await this.checkCommitment(chatId, row, chatKey, bindings);
    const commitment: CommitmentVerdict = committedTo === "none" ? "absent" : "matched";
    const held = { keyId: row.keyId, chatKey, signature, commitment, committedTo, committerCurrent };
    this.slot(chatId).set(row.keyId, held);
    return held;
  }

  /** The key of an epoch, fetched with `keys` when not held; throws "no key for epoch k" without one. */
  async require(chatId: string, keyId: number): Promise<HeldKey> {
    const held = this.held(chatId, keyId);
    if (held) return held;
    const { refused } = await this.fetch(chatId, [keyId]);
    const fetched = this.held(chatId, keyId);
    if (fetched) return fetched;
    throw new Error(`no key for epoch ${keyId} of chat ${chatId}`, refused[0] ? { cause: refused[0] } : {});
  }

  /**
   * Fetches and adds the epochs not held yet (every epoch the server has for us when `keyIds` is absent, once
   * until the current epoch moves). A row that fails (invalid signature, no unwrap) is left out and returned in
   * `refused`; the others are kept.
   */
  async fetch(chatId: string, keyIds?: readonly number[]): Promise<{ refused: Error[] }> {
    const missing = keyIds?.filter((keyId) => !this.held(chatId, keyId));
    if (missing?.length === 0 || (!keyIds && this.complete.has(chatId))) return { refused: [] };
    const refused: Error[] = [];
    const bad: number[] = [];
    for (const row of await this.options.fetchRows(chatId, missing)) {
      if (this.held(chatId, row.keyId)) continue;
      try {
        await this.add(chatId, row);
      } catch (error) {
        refused.push(error instanceof Error ? error : new Error(String(error)));
        if (error instanceof BadKeyRowError) bad.push(error.keyId);
      }
    }
    if (bad.length > 0) await this.refuse(chatId, bad, refused);
    if (!keyIds) this.complete.add(chatId);
    return { refused };
  }

  /**
   * Hands rows that failed cryptographically back to the server (refuseKeys): their certificate waits again and
   * another member can serve it. Rows from wrappers we do not trust are not refused: that is our trust
   * configuration, not evidence against the row. A failure to refuse is added to `refused`.
   */
  private async refuse(chatId: string, keyIds: number[], refused: Error[]): Promise<void> {
    try {
      await this.options.refuseRows?.(chatId, keyIds);
    } catch (error) {
      refused.push(new Error(`could not refuse the key rows of chat ${chatId}`, { cause: error }));
    }
  }

  /**
   * The key against its epoch's commitment, and what that commitment binds. No commitment: "none" (epochs begun
   * before commitments, or by a client that sends none). A commitment that is malformed, from a signer who is not
   * a trusted member (for the pair binding: not one of the pair), or whose signature does not verify for this
   * chat and epoch (forged, or another epoch's or chat's) is the server's doing, not the row's: the key is not
   * used, but the row is not refused. A verified commitment the key does not match is evidence against the row:
   * BadKeyRowError, and the row is refused.
   */
  private async checkCommitment(
    chatId: string,
    row: WrappedKeyRow,
    chatKey: ChatKey,
    bindings: ChatBindings | undefined,
  ): Promise<{ committedTo: CommittedTo; committerCurrent: boolean }> {
    const { commitment, keyId } = row;
    if (!commitment) return { committedTo: "none", committerCurrent: false };
    const where = `the key commitment of chat ${chatId}, epoch ${keyId}`;
    const value = decodeStrict(commitment.value, "commitment value");
    const signature = decodeStrict(commitment.sign, "commitment sign");
    const signer = decodeStrict(commitment.cert, "commitment cert");
    await this.checkMember(chatId, signer, `${where}: its signing certificate`);
    const candidates: EpochBinding[] = [{ binding: chatId, keyId }];
    if (bindings?.pair) candidates.push({ binding: bindings.pair.binding, keyId });
    if (keyId === 1 && bindings) candidates.push({ binding: bindings.creation, keyId });
    const epoch = await verifiedBinding(this.options.verifier, signer, candidates, value, signature).catch(
      (cause: unknown) => {
        throw new Error(`${where}: its signature cannot be checked`, { cause });
      },
    );
    if (!epoch) throw new Error(`${where}: its signature does not verify for this chat and epoch`);
    // The signer chains and is trusted (checkMember); for the pair it must also be one of the two: any trusted
    // user would do for the chat id, and a colluding third one could commit "for" the pair to a key of its own.
    const pair = bindings?.pair;
    const committedTo =
      epoch.binding === chatId ? "chat" : epoch.binding === pair?.binding ? "pair" : "creation";
    if (pair && committedTo === "pair" && !(await isPairCertificate(pair, signer, this.options.trust)))
      throw new Error(`${where}: its signing certificate is not one of the chat's two members'`);
    if (!matchesCommitment(epoch, chatKey, value))
      throw new BadKeyRowError(keyId, new Error(`the key it unwraps to is not the one ${where} names`));
    return { committedTo, committerCurrent: (await this.options.trust.chainProblem(signer)) === undefined };
  }

  /** The wrapper chains to an anchor and is a trusted member's (learning the members once when needed). */
  private async checkWrapper(chatId: string, keyId: number, wrapper: Uint8Array): Promise<void> {
    await this.checkMember(
      chatId,
      wrapper,
      `the key row of chat ${chatId}, epoch ${keyId}: its wrapping certificate`,
    );
  }

  /** The certificate chains to an anchor and carries a trusted member's identity (learning the members once). */
  private async checkMember(chatId: string, certificate: Uint8Array, what: string): Promise<void> {
    const { trust } = this.options;
    const chain = await trust.undatedChainProblem(certificate);
    if (chain) throw new Error(`${what} does not chain to a trust anchor (${chain})`);
    if (await trust.trustedIdentity(certificate)) return;
    await this.options.learnMembers?.(chatId);
    if (!(await trust.trustedIdentity(certificate))) throw new Error(`${what} is not a current member's`);
  }

  private slot(chatId: string): Map<number, HeldKey> {
    let slot = this.keys.get(chatId);
    if (!slot) {
      slot = new Map();
      this.keys.set(chatId, slot);
    }
    return slot;
  }
}

function decodeStrict(text: string, field: string): Uint8Array {
  const bytes = decodeBase64(text);
  if (!bytes) throw new Error(`the server sent a key row whose ${field} is not base64`);
  return bytes;
}
