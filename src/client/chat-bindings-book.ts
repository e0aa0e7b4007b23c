/**
 * What each of a session's chats is bound to (docs/CRYPTO.md "Binding a personal chat to its two members"): the
 * chats as `contacts` first gave them, and from that their bindings — a group's type and name, a personal chat's
 * two members' certificate identities (the session's own from its signing certificate, the contact's as
 * trusted for its profile). A personal chat's members never change: an answer moving one throws.
 */
import { decodeBase64 } from "../protocol/base64.ts";
import { ChatType, type Contact } from "../protocol/schemas/chats.ts";
import { type CertificateTrust, certificateIdentity } from "./certificate-trust.ts";
import {
  type ChatBindings,
  chatBindings,
  type PairBinding,
  type PairMember,
  pairBinding,
} from "./chat-binding.ts";
import type { IdentityPins } from "./identity-pins.ts";

/** What is kept of a chat's contact: its bindings are computed from it (`of`). */
type ChatKind = Pick<Contact, "chatType" | "chatName" | "pid" | "certificates">;

/** A contact's profile and the certificates listed for it. */
type ListedProfile = Pick<Contact, "pid" | "certificates">;

export interface ChatBindingsBookOptions {
  readonly trust: CertificateTrust;
  /** The session's signing certificate (DER): its own side of every pair. */
  readonly ownCertificate: Uint8Array;
  /** The session's own profile id, as the server names it. */
  readonly ownPid: () => Promise<number>;
  /** Learns the chat's key-holding members' identities (chatMembers), when a peer's is not known yet. */
  readonly learnMembers: (chatId: string) => Promise<void>;
  /** Personal chats' peers earlier sessions were given (with anchors only, as the identities they bind). */
  readonly pins?: IdentityPins;
}

/** A personal chat's pair, its other member, and the certificates the session knows that carry its identity. */
export interface PeerEvidence {
  readonly pair: PairBinding;
  readonly peer: PairMember;
  /** The contact's listed certificates and the one its identity was taken from, those carrying `peer.identity`. */
  readonly certificates: readonly Uint8Array[];
}

export class ChatBindingsBook {
  private readonly chats = new Map<string, ChatKind>();
  /** Each chat's certificates as its contact was last listed: only shown (peerOf), never what it is bound to. */
  private readonly lastListed = new Map<string, Contact["certificates"]>();
  private ownIdentity?: string;
  /** Personal chat → its peer's profile, as earlier sessions (or this one) were first given it. */
  private readonly pinnedPeers = new Map<string, number>();

  constructor(private readonly options: ChatBindingsBookOptions) {
    for (const pin of options.pins?.chatPeers ?? []) this.pinnedPeers.set(pin.chatId, pin.pid);
  }

  knows(chatId: string): boolean {
    return this.chats.has(chatId);
  }

  /**
   * Records a chat as its contact shows it. A personal chat's two members never change: a later answer naming
   * another member or another type is the server's, and throws — kept quietly, the caller would show the chat as
   * the answer says while its keys stay bound to the pair it first heard (chatWith gave the chat with Mallory as
   * Alice's, and what the user wrote to Alice went under Mallory's key).
   */
  async note(chatId: string, contact: ChatKind): Promise<void> {
    this.refuseMove(chatId, contact);
    if (!this.chats.has(chatId) && !this.pinnedPeers.has(chatId) && contact.chatType === ChatType.personal) {
      // Claimed before waiting: a note running beside this one is checked against it.
      this.pinnedPeers.set(chatId, contact.pid);
      // A session running beside this one may have pinned the chat since this one started: its pin stands.
      const standing = await this.options.pins?.keepChatPeer?.({ chatId, pid: contact.pid });
      if (standing) this.pinnedPeers.set(chatId, standing.pid);
      this.refuseMove(chatId, contact);
    }
    this.lastListed.set(chatId, contact.certificates);
    if (!this.chats.has(chatId))
      this.chats.set(chatId, {
        chatType: contact.chatType,
        chatName: contact.chatName,
        pid: contact.pid,
        certificates: contact.certificates,
      });
  }

  /** Throws when a personal chat this session noted, or an earlier session pinned, is given with another member. */
  private refuseMove(chatId: string, contact: ChatKind): void {
    const known = this.chats.get(chatId);
    // An earlier session's first listing stands as this session's would (IdentityPins.chatPeers).
    const peer = known?.chatType === ChatType.personal ? known.pid : this.pinnedPeers.get(chatId);
    if (peer !== undefined && (contact.chatType !== ChatType.personal || contact.pid !== peer))
      throw new Error(
        `the server gives personal chat ${chatId}, known as the chat with profile ${peer}, as ${contact.chatType === ChatType.personal ? `the chat with profile ${contact.pid}` : "a group or channel"}`,
      );
  }

  /** What the chat's keys may be signed over, or undefined for a chat not noted. */
  async of(chatId: string): Promise<ChatBindings | undefined> {
    const kind = this.chats.get(chatId);
    if (!kind) return undefined;
    const own = this.ownMember(await this.options.ownPid());
    if (kind.chatType !== ChatType.personal) return chatBindings(kind, own, own);
    return chatBindings(kind, own, await this.pairMember(kind, chatId));
  }

  /**
   * What a noted personal chat is bound to on the peer's side (pair-peer.ts shows it): "not-personal" for a group
   * or channel, undefined for a chat not noted. The certificates are the evidence the binding used, and those a
   * later listing gives (a renewal) when they carry the same identity — never the profile's name or phone: a peer
   * whose identity is unknown has none.
   */
  async peerOf(chatId: string): Promise<PeerEvidence | "not-personal" | undefined> {
    const kind = this.chats.get(chatId);
    if (!kind) return undefined;
    if (kind.chatType !== ChatType.personal) return "not-personal";
    const own = this.ownMember(await this.options.ownPid());
    const peer = await this.pairMember(kind, chatId);
    const voucher = this.options.trust.voucherOf(peer.pid);
    const listed = [...kind.certificates, ...(this.lastListed.get(chatId) ?? [])];
    const known = [...listed.flatMap(({ cert }) => decodeBase64(cert) ?? []), ...(voucher ? [voucher] : [])];
    const certificates: Uint8Array[] = [];
    for (const der of known)
      if ((await this.options.trust.identity(der)) === peer.identity) certificates.push(der);
    return { pair: pairBinding(own, peer), peer, certificates };
  }

  /**
   * The session's side of a pair: the identity its own signing certificate carries, whatever the server says (its
   * peer's session reads the same; whether that session believes it is its own anchors' question).
   */
  ownMember(pid: number): PairMember {
    this.ownIdentity ??= certificateIdentity(this.options.ownCertificate);
    return { pid, identity: this.ownIdentity };
  }

  /**
   * A personal chat's other member: the identity trusted for its profile — learnt, when not yet, from the chat's
   * members that hold a key or the contact's certificates (first evidence, as for any member) — or, without
   * anchors, the contact's certificate's (the server's word then). One that no certificate chains for gets an
   * identity no certificate carries: the pair's keys then verify for nobody rather than being taken unbound.
   */
  async pairMember(contact: ListedProfile, chatId?: string): Promise<PairMember> {
    const { trust } = this.options;
    const { pid, certificates } = contact;
    const ders = certificates.flatMap(({ cert }) => decodeBase64(cert) ?? []);
    if (!trust.anchored) {
      for (const der of ders) {
        const identity = await trust.identity(der);
        if (identity !== undefined) return { pid, identity };
      }
      return { pid, identity: `unknown:${pid}` };
    }
    if (!trust.knows(pid) && chatId) await this.options.learnMembers(chatId);
    for (const der of ders) await trust.vouch(pid, der);
    await this.refuseContradiction(contact);
    return { pid, identity: trust.identityOf(pid) ?? `unknown:${pid}` };
  }

  /**
   * Throws when a contact lists a certificate that chains (or chained) yet is not of the person this session knows
   * its profile as: the server showing one person's phone, name and certificate over another's profile (and
   * personal chat), where what the user writes would be bound to, and read by, the other. What a contact lists is
   * then what its chat is bound to.
   */
  async refuseContradiction(contact: ListedProfile): Promise<void> {
    for (const { cert } of contact.certificates) {
      const der = decodeBase64(cert);
      if (der && (await this.options.trust.contradicts(contact.pid, der)))
        throw new Error(
          `the server lists under profile ${contact.pid} a certificate of another subject than the one this client knows for it (learnt in this session or pinned by an earlier one; to accept a change: Messenger.forgetIdentity, \`certchat pins forget ${contact.pid}\`)`,
        );
    }
  }
}
