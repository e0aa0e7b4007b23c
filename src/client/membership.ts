/**
 * Members of groups and channels (docs/SDK.md): list, add with a history choice, remove, leave,
 * change roles, and rotate the chat key. A removal or rotation makes a new epoch: a fresh chat key wrapped
 * for every remaining certificate that holds the current key (and any waiting one this session can wrap
 * for), signed, posted with the `keyId`/`version` it was built on; when another change won the race the
 * server answers ChatKeyOutdated and the key set is built again from a fresh member list (up to 3 retries).
 * Keys are wrapped only for certificates the client trusts for their profile (CertificateTrust): the member
 * list comes from the server.
 */
import { decodeBase64, encodeBase64 } from "../protocol/base64.ts";
import { normalizePhone } from "../protocol/phone.ts";
import type { AddMemberKey, ChatMembersData, ChatRole, EpochKey } from "../protocol/schemas/members.ts";
import { type CertchatApi, CertchatApiError } from "./api.ts";
import { type CertificateTrust, NO_ANCHORS } from "./certificate-trust.ts";
import { type ChatBindings, isPairCertificate, type PairBinding, signableChatId } from "./chat-binding.ts";
import type { ChatKeyring } from "./chat-keyring.ts";
import type { ChatKeyKind } from "./crypto/chat-key.ts";
import { signCommitment } from "./crypto/epoch-commitment.ts";
import {
  type ChatKey,
  certificatePublicKey,
  chooseScheme,
  generateChatKey,
  wrapChatKeyFor,
} from "./crypto/index.ts";
import { signKeyRow } from "./crypto/key-row-signature.ts";
import { wrapRefusal } from "./key-fulfilment.ts";
import { RowCoverage } from "./row-coverage.ts";
import type { Signer } from "./signing.ts";

export type HistoryChoice = "now" | "all";

/** A certificate a new epoch's key is wrapped for. */
export interface EpochRecipient {
  readonly pid: number;
  readonly cid: number;
  readonly certificate: Uint8Array;
}

export interface RotationPlan {
  readonly kind: ChatKeyKind;
  readonly recipients: readonly EpochRecipient[];
}

export const MAX_OUTDATED_RETRIES = 3;

/**
 * Who gets the next epoch's key, and its kind (pure). Recipients: the remaining members' certificates that
 * hold the current key or wait for one; a waiting certificate this session cannot wrap for stays waiting.
 * The key is GOST when any remaining member certificate is GOST (the Android blob holds nothing else).
 */
export function planRotation(data: ChatMembersData, removedPid?: number): RotationPlan {
  const waiting = new Set(data.waitList.map((entry) => entry.cid));
  const recipients: EpochRecipient[] = [];
  let gost = false;
  for (const member of data.members) {
    if (member.pid === removedPid) continue;
    for (const certificate of member.certificates) {
      const der = decodeBase64(certificate.cert);
      if (!der) continue;
      if (isGost(der)) gost = true;
      if (certificate.hasKey || waiting.has(certificate.id))
        recipients.push({ pid: member.pid, cid: certificate.id, certificate: der });
    }
  }
  return { kind: gost ? "gost28147-cfb" : "aes-256-gcm", recipients };
}

/** Jitter before a due rotation (docs/design §4.2): owners and admins first, members only if nobody did. */
export function rotationDelayMs(role: ChatRole, random: () => number = Math.random): number {
  return role === "member" ? 10_000 + random() * 10_000 : random() * 2_000;
}

/** A profile to add: its id and certificates (from `contacts` by phone). */
export interface NewMember {
  readonly pid: number;
  readonly certificates: ReadonlyArray<{ readonly id: number; readonly cert: string }>;
}

export interface MembershipOptions {
  readonly api: CertchatApi;
  /** The registered profiles holding these phones; throws for a phone nobody holds. */
  readonly resolvePhones: (phones: readonly string[]) => Promise<readonly NewMember[]>;
  readonly keyring: ChatKeyring;
  readonly signer: Signer;
  readonly ownPid: () => Promise<number>;
  readonly trust: CertificateTrust;
  /** The chat's bindings (chat-binding.ts): a personal chat's new epochs are committed to its two members. */
  readonly bindings?: (chat: string) => Promise<ChatBindings | undefined>;
}

export class Membership {
  constructor(private readonly options: MembershipOptions) {}

  members(chat: string): Promise<ChatMembersData> {
    return this.options.api.call("chatMembers", { chat });
  }

  /**
   * Learns the identities of the chat's members from their certificates that hold a key (a member some
   * client already gave the key to) where the profile has none trusted yet; certificates that do not chain
   * are ignored (CertificateTrust.vouch).
   */
  async learn(chat: string, fresh?: ChatMembersData): Promise<ChatMembersData> {
    const data = fresh ?? (await this.members(chat));
    for (const member of data.members) {
      for (const certificate of member.certificates) {
        const der = decodeBase64(certificate.cert);
        if (der && certificate.hasKey) await this.options.trust.vouch(member.pid, der);
      }
    }
    return data;
  }

  /** The recipients this client trusts for their profiles (the others are left to wait). */
  private async trusted(recipients: readonly EpochRecipient[]): Promise<EpochRecipient[]> {
    const out: EpochRecipient[] = [];
    for (const recipient of recipients) {
      const problem = await this.options.trust.recipientProblem(recipient.pid, recipient.certificate);
      if (problem === undefined) out.push(recipient);
    }
    return out;
  }

  private requireTrust(): void {
    if (!this.options.trust.canWrap) throw new Error(NO_ANCHORS);
  }

  /**
   * Adds the holders of these phones with keys for each of their certificates this session can wrap for:
   * the current epoch, and with history "all" every older epoch it holds (the others wait for a capable
   * member). The current epoch is not rotated first: with "now" the server withholds the epoch's earlier
   * messages (docs/CRYPTO.md). A holder with no certificate this session trusts and can wrap the current
   * epoch for would silently not be added: the add fails before it is sent, naming such holders.
   */
  async add(
    chat: string,
    phones: readonly string[],
    { history }: { history: HistoryChoice },
  ): Promise<ChatMembersData> {
    const { api, keyring } = this.options;
    this.requireTrust();
    signableChatId(chat);
    // Its keys are its pair's alone (docs/CRYPTO.md "Binding a personal chat"): a server that took the rows would
    // give a third person every epoch the two members were shown one safety code for.
    if ((await this.options.bindings?.(chat))?.pair)
      throw new Error(`chat ${chat} is a personal chat: its two members never change, nobody is added`);
    const profiles = await this.options.resolvePhones(phones);
    return this.retryOutdated(async () => {
      const { keyId } = await this.members(chat);
      keyring.setCurrent(chat, keyId);
      const current = await keyring.require(chat, keyId);
      if (history === "all") await keyring.fetch(chat);
      const epochs = keyring
        .allHeld(chat)
        .filter((held) => held.keyId <= keyId && (history === "all" || held.keyId === keyId));
      const keys: AddMemberKey[] = [];
      const coverage = new RowCoverage();
      for (const profile of profiles) {
        for (const { id: cid, cert } of profile.certificates) {
          const der = decodeBase64(cert);
          if (!der) {
            coverage.skipped(profile.pid, cid, "the server sent a certificate that is not base64");
            continue;
          }
          const problem = await this.options.trust.recipientProblem(profile.pid, der);
          if (problem !== undefined) {
            coverage.skipped(profile.pid, cid, problem);
            continue;
          }
          for (const epoch of epochs) {
            const row = await this.wrapRow(
              chat,
              epoch.keyId,
              { pid: profile.pid, cid, certificate: der },
              epoch.chatKey,
            );
            if (row) keys.push({ ...row, keyId: epoch.keyId });
          }
          // The current epoch's row is what makes a member (the server names members by the rows).
          const refusal = wrapRefusal(this.options.signer, der, current.chatKey);
          if (refusal === undefined) coverage.covered(profile.pid);
          else coverage.skipped(profile.pid, cid, refusal);
        }
      }
      // A profile without a row would silently not be added: nothing is sent then.
      coverage.requireEvery(profiles.map((profile) => profile.pid));
      return api.call("addMembers", { chat, keyId, history, keys });
    });
  }

  /**
   * Removes a member (its pid, or its phone as the member list shows it): the key rotates in the same
   * request, without a key for the removed member.
   */
  async remove(chat: string, member: number | string): Promise<ChatMembersData> {
    const pid = await this.memberPid(chat, member);
    return this.retryOutdated(() => this.rotateOnce(chat, { removedPid: pid }));
  }

  /** A new epoch for the remaining members (after a leave, or on request). */
  rotate(chat: string): Promise<ChatMembersData> {
    return this.retryOutdated(() => this.rotateOnce(chat, {}));
  }

  /**
   * A rotation owed after a leave: waits its turn (rotationDelayMs), then rotates only if it is still due — a
   * member that rotated first leaves rotationDue false, and a rotation built on the old epoch is answered
   * ChatKeyOutdated and not retried. A client that cannot wrap the new key for every current key holder (an
   * ECDSA member of a chat with GOST members) leaves it to a capable member rather than strand them on the
   * wait list. Returns whether this client rotated.
   */
  async rotateWhenDue(
    chat: string,
    sleep: (ms: number) => Promise<void>,
    random?: () => number,
  ): Promise<boolean> {
    const pid = await this.options.ownPid();
    const before = await this.members(chat);
    const role = before.members.find((member) => member.pid === pid)?.role;
    if (!before.rotationDue || !role) return false;
    await sleep(rotationDelayMs(role, random));
    return this.retryOutdated(async () => {
      const data = await this.members(chat);
      return data.rotationDue && (await this.rotateServingAll(chat, data));
    });
  }

  /**
   * A new epoch when `due` says the current one, as the member list names it, needs one (another member may have
   * made one since this session last heard, and after ChatKeyOutdated another did), made only when this session
   * can give it to every current key holder (so nobody is left waiting for a key no member online may be able to
   * wrap). Returns whether it rotated.
   */
  rotateIfServingAll(chat: string, due: (data: ChatMembersData) => Promise<boolean>): Promise<boolean> {
    return this.retryOutdated(async () => {
      const data = await this.members(chat);
      return (await due(data)) && (await this.rotateServingAll(chat, data));
    });
  }

  private async rotateServingAll(chat: string, data: ChatMembersData): Promise<boolean> {
    if (!this.options.trust.canWrap) return false;
    await this.learn(chat, data);
    const plan = planRotation(data);
    // Every current key holder must get the new key from us; waiting certificates we do not trust may wait.
    const holders = data.members.flatMap((member) =>
      member.certificates.filter((certificate) => certificate.hasKey).map((certificate) => certificate.id),
    );
    const trusted = new Set((await this.trusted(plan.recipients)).map((recipient) => recipient.cid));
    if (!this.canServe(plan) || holders.some((cid) => !trusted.has(cid))) return false;
    await this.rotateOnce(chat, {}, data);
    return true;
  }

  async leave(chat: string): Promise<void> {
    await this.options.api.call("leaveChat", { chat });
    this.options.keyring.drop(chat);
  }

  /** Promotes, demotes or hands ownership over ("owner": the caller becomes an admin). */
  async setRole(chat: string, member: number | string, role: ChatRole): Promise<ChatMembersData> {
    return this.options.api.call("setRole", { chat, pid: await this.memberPid(chat, member), role });
  }

  private async memberPid(chat: string, member: number | string): Promise<number> {
    if (typeof member === "number") return member;
    const phone = normalizePhone(member);
    if (!phone) throw new Error(`not a phone number: ${member}`);
    const found = (await this.members(chat)).members.find((candidate) => candidate.phone === phone);
    if (!found) throw new Error(`no member of chat ${chat} holds ${member}`);
    return found.pid;
  }

  private async rotateOnce(
    chat: string,
    { removedPid }: { removedPid?: number },
    fresh?: ChatMembersData,
  ): Promise<ChatMembersData> {
    const { api, keyring } = this.options;
    this.requireTrust();
    signableChatId(chat);
    const data = await this.learn(chat, fresh);
    const pair = (await this.options.bindings?.(chat))?.pair;
    // A personal chat's two members are fixed: a third one listed, or a certificate of another person listed as
    // one of theirs, is the server's, and gets nothing.
    const stranger = pair && (await strangerOf(pair, data.members, this.options.trust));
    if (stranger)
      throw new Error(`the server lists profile ${stranger.pid} as a member of personal chat ${chat}`);
    const plan = planRotation(data, removedPid);
    const chatKey = generateChatKey(plan.kind);
    const nextKeyId = data.keyId + 1;
    const keys: EpochKey[] = [];
    for (const recipient of await this.trusted(plan.recipients)) {
      const row = await this.wrapRow(chat, nextKeyId, recipient, chatKey);
      if (row) keys.push(row);
    }
    const commitment = await signCommitment(
      this.options.signer,
      { binding: pair?.binding ?? chat, keyId: nextKeyId },
      chatKey,
    );
    const common = { chat, keyId: data.keyId, version: data.version, keys, commitment };
    const rotated =
      removedPid === undefined
        ? await api.call("rotateKey", common)
        : await api.call("removeMember", { ...common, pid: removedPid });
    keyring.remember(chat, rotated.keyId, chatKey, pair ? "pair" : "chat");
    keyring.setCurrent(chat, rotated.keyId);
    return rotated;
  }

  /** Whether this session can wrap a key of the plan's kind for each of its recipients. */
  private canServe(plan: RotationPlan): boolean {
    const probe = generateChatKey(plan.kind);
    return plan.recipients.every(
      (recipient) => wrapRefusal(this.options.signer, recipient.certificate, probe) === undefined,
    );
  }

  /** The signed row of `chatKey` for one certificate, or undefined when this session cannot wrap for it. */
  private async wrapRow(
    chatId: string,
    keyId: number,
    recipient: EpochRecipient,
    chatKey: ChatKey,
  ): Promise<EpochKey | undefined> {
    const { signer } = this.options;
    if (wrapRefusal(signer, recipient.certificate, chatKey) !== undefined) return undefined;
    const wrappedKey = await wrapChatKeyFor({
      chatKey,
      recipientCertificate: recipient.certificate,
      ...(signer.ownKey.kind === "gost" ? { senderKey: signer.ownKey } : {}),
    });
    const sign = await signKeyRow(signer, { chatId, keyId, cid: recipient.cid, wrappedKey });
    return { pid: recipient.pid, cid: recipient.cid, key: encodeBase64(wrappedKey), sign };
  }

  private async retryOutdated<T>(attempt: () => Promise<T>): Promise<T> {
    for (let retries = 0; ; retries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (
          !(error instanceof CertchatApiError && error.code === "ChatKeyOutdated") ||
          retries >= MAX_OUTDATED_RETRIES
        )
          throw error;
      }
    }
  }
}

/** The first of `members` that is not one of the pair's: another profile, or a certificate of another person. */
async function strangerOf(
  pair: PairBinding,
  members: ChatMembersData["members"],
  trust: CertificateTrust,
): Promise<ChatMembersData["members"][number] | undefined> {
  for (const member of members) {
    if (!pair.pids.includes(member.pid)) return member;
    for (const { cert } of member.certificates)
      if (!(await isPairCertificate(pair, decodeBase64(cert), trust))) return member;
  }
  return undefined;
}

function isGost(certificate: Uint8Array): boolean {
  try {
    return chooseScheme(certificatePublicKey(certificate)).startsWith("gost");
  } catch {
    return false;
  }
}
