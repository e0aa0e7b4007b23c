import { ApiError } from "../../protocol/errors.ts";
import { findCertificateById } from "../storage/repositories/certificates.ts";
import { findMemberships, type MembershipPair } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { mayPost, requireMembership } from "./chat-access.ts";

export type { MembershipPair };

/** Distinct (profile, chat) and certificate entries kept; beyond it the oldest are checked again. */
const DEFAULT_CAPACITY = 100_000;

/**
 * Whether a profile is a member of a chat, may post there and sign with a certificate, remembering only the
 * answers "yes".
 * A "yes" stays true: memberships and roles are only ever added and a certificate never changes its profile
 * (no API removes or reassigns either), so no other node can invalidate it. A refusal is asked again each
 * time, so a member added elsewhere posts at once. Saves two reads per send and one per history page.
 */
export class ChatRights {
  private readonly granted = new Set<string>();
  /** notAfter (Unix ms) of the granted certificate entries: a signer must also be within its validity. */
  private readonly signerNotAfter = new Map<string, number>();

  constructor(
    private readonly db: Executor,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** GetChatsError unless the profile is a member of the chat (unknown chat included). */
  async requireMember(profileId: number, chatId: string): Promise<void> {
    const key = `member:${profileId}:${chatId}`;
    if (this.granted.has(key)) return;
    await requireMembership(this.db, chatId, profileId);
    this.grant(key);
  }

  /**
   * GetChatsError if not a member (or a channel member who may not post); InvalidCertificate for a foreign
   * cid; CertificateExpired for a cid past its notAfter at `now` (the message is signed with the cid's key).
   */
  async requirePoster(profileId: number, chatId: string, certificateId: number, now: number): Promise<void> {
    const chatKey = `post:${profileId}:${chatId}`;
    if (!this.granted.has(chatKey)) {
      const membership = await requireMembership(this.db, chatId, profileId);
      if (!mayPost(membership)) throw new ApiError("GetChatsError", "only the owner posts in a channel");
      this.grant(chatKey);
    }
    const certificateKey = `cid:${profileId}:${certificateId}`;
    if (!this.granted.has(certificateKey)) {
      const certificate = await findCertificateById(this.db, certificateId);
      if (certificate?.profile_id !== profileId)
        throw new ApiError("InvalidCertificate", "cid is not the sender's");
      this.grant(certificateKey);
      this.signerNotAfter.set(certificateKey, certificate.not_after);
    }
    if (now > (this.signerNotAfter.get(certificateKey) ?? 0))
      throw new ApiError("CertificateExpired", "cid certificate expired");
  }

  /** Which of these (chat, profile) pairs are memberships now: read each time, never from the cache. */
  currentMemberships(pairs: readonly MembershipPair[]): Promise<MembershipPair[]> {
    return findMemberships(this.db, pairs);
  }

  private grant(key: string): void {
    if (this.granted.size >= this.capacity) {
      const oldest = this.granted.values().next().value;
      if (oldest !== undefined) {
        this.granted.delete(oldest);
        this.signerNotAfter.delete(oldest);
      }
    }
    this.granted.add(key);
  }
}
