import { ApiError } from "../../protocol/errors.ts";
import { findCertificateById } from "../storage/repositories/certificates.ts";
import { findMemberships, findReaderBounds, type MembershipPair } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import {
  type MemberView,
  mayPost,
  type ReaderView,
  requireMembership,
  requireReader,
} from "./chat-access.ts";

export type { MembershipPair, ReaderView };

/** Distinct (profile, chat) and certificate entries kept; beyond it the oldest are checked again. */
const DEFAULT_CAPACITY = 100_000;

/**
 * Whether a profile may post to a chat and sign with a certificate, remembering only the answers "yes".
 * Memberships are removed, and the only authoritative check is the insert trigger on `messages` (a send by a
 * profile no longer a member is refused at commit, whatever is remembered here): a "post" answer is a hint that
 * saves the pre-check read, dropped by `forget` when the trigger refuses. Nothing is cached for reads
 * (`requireMember` reads the membership row each time): a stale "yes" there would leak history. A certificate's
 * owner stays true (a certificate only moves from a placeholder profile to its real one), but it may be revoked:
 * signers are forgotten at each session sweep (`forgetSigners`).
 */
export class ChatRights {
  private readonly granted = new Set<string>();
  /** notAfter (Unix ms) of the granted certificate entries: a signer must also be within its validity. */
  private readonly signerNotAfter = new Map<string, number>();

  constructor(
    private readonly db: Executor,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  /** The profile's membership row, read now; GetChatsError unless a member (unknown chat included). */
  requireMember(profileId: number, chatId: string): Promise<MemberView> {
    return requireMembership(this.db, chatId, profileId);
  }

  /** The profile's history bound and the chat's last message id, read now; GetChatsError unless a member. */
  requireReader(profileId: number, chatId: string): Promise<ReaderView> {
    return requireReader(this.db, chatId, profileId);
  }

  /**
   * Which of these chats the profile is a member of, with its history bound in each (visible_after_message_id),
   * read now: one read for all (a `resume`).
   */
  readerBounds(profileId: number, chatIds: readonly string[]): Promise<Map<string, number>> {
    return findReaderBounds(this.db, profileId, chatIds);
  }

  /**
   * GetChatsError if not a member (or a channel member who may not post); InvalidCertificate for a foreign
   * or revoked cid; CertificateExpired for a cid past its notAfter at `now` (the message is signed with the cid's key).
   */
  async requirePoster(profileId: number, chatId: string, certificateId: number, now: number): Promise<void> {
    const chatKey = postKey(profileId, chatId);
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
      // A key the CA withdrew (reported stolen, say) signs no message, though it is the sender's.
      if (certificate.revoked_at !== null)
        throw new ApiError("InvalidCertificate", "cid certificate revoked");
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

  /**
   * Drops every remembered signer: a certificate may have been revoked since (the session sweeper calls it at
   * each round, and at once when sessions or certificates were ended anywhere).
   */
  forgetSigners(): void {
    for (const key of this.signerNotAfter.keys()) this.granted.delete(key);
    this.signerNotAfter.clear();
  }

  /** Drops the "may post" hint: the trigger refused the profile's send (removed, left, or demoted). */
  forget(profileId: number, chatId: string): void {
    this.granted.delete(postKey(profileId, chatId));
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

function postKey(profileId: number, chatId: string): string {
  return `post:${profileId}:${chatId}`;
}
