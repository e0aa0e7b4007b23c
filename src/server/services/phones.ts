import { randomInt, timingSafeEqual } from "node:crypto";
import type { Logger } from "pino";
import { ApiError } from "../../protocol/errors.ts";
import { MIN_PHONE_DIGITS, normalizePhone } from "../../protocol/phone.ts";
import type { ConfirmPhoneData, RegistryPhoneData } from "../../protocol/schemas/identity.ts";
import type { SmsProvider } from "../sms/provider.ts";
import { recordAuditEvent } from "../storage/repositories/audit.ts";
import {
  attachClaimedCertificate,
  type CertificateClaim,
  findClaim,
} from "../storage/repositories/certificate-claims.ts";
import { insertWaitsForCertificate } from "../storage/repositories/chat-key-waits.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import {
  addressSendCount,
  countAttempt,
  deletePhoneCode,
  findPhoneCode,
  insertPhoneCode,
  markCodeConfirmed,
  phoneSendHistory,
} from "../storage/repositories/phone-codes.ts";
import {
  findProfileById,
  linkProfileToUser,
  listProfilesOfUser,
  type Profile,
} from "../storage/repositories/profiles.ts";
import { findOrCreateUser, findUserById, findUserByPhone } from "../storage/repositories/users.ts";
import type { ChatEvents } from "./chat-events.ts";
import type { Clock } from "./clock.ts";
import type { LimitKey } from "./limit-key.ts";
import { vouchedSnils } from "./profile-identity.ts";
import type { RateLimiter } from "./rate-limiter.ts";
import type { Identity } from "./sessions.ts";
import { waitListEvents } from "./wait-list-view.ts";

export interface PhoneServiceOptions {
  db: Executor;
  sms: SmsProvider;
  clock: Clock;
  logger: Logger;
  codeTtlMs: number;
  maxAttempts: number;
  resendIntervalMs: number;
  perHourPerPhone: number;
  perHourPerAddress: number;
  /**
   * registryPhone attempts, refused ones included, per session profile and per client address (keys
   * `registryPhone:profile:<id>`, `registryPhone:address:<limit key>`; perHourPerAddress an hour).
   */
  attempts: RateLimiter;
  /** What a client address's limits count under (an IPv6 address's prefix); codes are stored with it too. */
  limitKey: LimitKey;
  /** Told which limit refused a code (metrics). */
  onLimited?: (limit: "sms_resend" | "sms_per_phone" | "sms_per_address" | "sms_attempts") => void;
  /** Pushes the wait lists a newly attached certificate joins. */
  events: ChatEvents;
}

const HOUR = 3_600_000;

interface ConfirmationTarget {
  profile: Profile;
  /** Set when the session's certificate waits to join `profile`. */
  claim?: CertificateClaim;
}

/**
 * Confirming a phone by SMS code links the profile to the phone's user (docs/DECISIONS.md §4). A session whose
 * certificate waits to join an existing profile (profile-binding.ts) confirms for that profile instead: the
 * code must go to that profile's phone, and entering it attaches the certificate.
 */
export class PhoneService {
  constructor(private readonly options: PhoneServiceOptions) {}

  async register(identity: Identity, phoneText: string, clientAddress: string): Promise<RegistryPhoneData> {
    const phone = normalizePhone(phoneText);
    if (!phone) throw new ApiError("InvalidSchema", "not a phone number");
    if (phone.length < MIN_PHONE_DIGITS) {
      throw new ApiError("InvalidSchema", `phones need at least ${MIN_PHONE_DIGITS} digits`);
    }
    const { db, clock, limitKey } = this.options;
    const addressKey = limitKey(clientAddress);
    await this.spendAttempt(identity.profile.id, addressKey);
    await this.assertPhoneAllowed(db, phone, await this.confirmationTarget(db, identity));
    const now = clock();
    await this.assertWithinLimits(phone, addressKey, now);

    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    const id = await insertPhoneCode(db, {
      profile_id: identity.profile.id,
      phone,
      code,
      expires_at: now + this.options.codeTtlMs,
      // The limit key, not the address: the hourly count per address below counts these rows.
      client_address: addressKey,
      created_at: now,
    });
    try {
      await this.options.sms.send({ phone, code, text: `certchat: код подтверждения ${code}` });
    } catch (error) {
      // Nothing half-registered: the code that was never delivered is removed again.
      await deletePhoneCode(db, id);
      this.options.logger.error({ err: error, phone }, "SMS provider failed");
      throw new ApiError("SMSError", "provider failed");
    }
    return { id };
  }

  async confirm(identity: Identity, id: number, codeInput: string | number): Promise<ConfirmPhoneData> {
    const { db, clock } = this.options;
    const row = await findPhoneCode(db, id);
    if (!row || row.profile_id !== identity.profile.id)
      throw new ApiError("IncorrectCode", "unknown code id");
    if (row.confirmed_at !== null) throw new ApiError("IncorrectCode", "code already used");
    if (clock() > row.expires_at) throw new ApiError("IncorrectCode", "code expired");
    if (!(await countAttempt(db, id, this.options.maxAttempts)))
      throw new ApiError("IncorrectCode", "no attempts left");
    if (!sameCode(normalizeCode(codeInput), row.code)) throw new ApiError("IncorrectCode", "wrong code");

    const waitingIn = await db.transaction().execute(async (trx) => {
      if (!(await markCodeConfirmed(trx, id, clock())))
        throw new ApiError("IncorrectCode", "code already used");
      const target = await this.confirmationTarget(trx, identity);
      await this.assertPhoneAllowed(trx, row.phone, target);
      const user = await findOrCreateUser(trx, row.phone, clock());
      if (target.profile.user_id !== user.id) await linkProfileToUser(trx, target.profile.id, user.id);
      if (target.claim) {
        await attachClaimedCertificate(trx, target.claim);
        const attached = { profileId: target.claim.profile_id, certificateId: target.claim.certificate_id };
        await recordAuditEvent(trx, { type: "certificate.attached", actor: "sms", ...attached }, clock());
        // The renewed certificate has no key in any chat of the profile yet: it waits in each of them.
        return insertWaitsForCertificate(trx, attached.certificateId, attached.profileId, clock());
      }
      return [];
    });
    await this.publishWaitLists(waitingIn);
    return { needRegisterPhone: false, phone: row.phone };
  }

  private async publishWaitLists(chatIds: readonly string[]): Promise<void> {
    const { db, clock, events, logger } = this.options;
    for (const chatId of chatIds) {
      try {
        for (const { memberIds, event } of await waitListEvents(db, chatId, clock()))
          events.waitListChanged(chatId, memberIds, event);
      } catch (error) {
        // Live delivery is best effort: members see the wait list in `contacts` / `chatMembers`.
        logger.error({ err: error, chatId }, "could not publish a wait list");
      }
    }
  }

  /** The profile a phone confirmation is for: the one the session's certificate waits to join, else its own. */
  private async confirmationTarget(db: Executor, identity: Identity): Promise<ConfirmationTarget> {
    const claim = await findClaim(db, identity.session.certificate_id);
    if (!claim) return { profile: identity.profile };
    const claimed = await findProfileById(db, claim.profile_id);
    if (!claimed) throw new Error(`claimed profile ${claim.profile_id} vanished`);
    return { profile: claimed, claim };
  }

  /**
   * A certificate joins a profile that has a confirmed phone only by a code sent to that phone: any other phone
   * is refused as another person's. Otherwise the phone must not belong to someone else.
   */
  private async assertPhoneAllowed(db: Executor, phone: string, target: ConfirmationTarget): Promise<void> {
    const { profile, claim } = target;
    if (claim && profile.user_id !== null) {
      const current = await findUserById(db, profile.user_id);
      if (current?.phone !== phone)
        throw new ApiError("PhoneAlreadyRegistered", "not the phone of the profile the certificate joins");
      return;
    }
    await this.assertPhoneAvailable(db, phone, profile);
  }

  /**
   * One phone may hold several profiles of the same person: SNILS identifies a person, so a phone already
   * held by profiles with another (or no) SNILS belongs to someone else. Only a SNILS a qualified CA vouched
   * for (the profile is keyed by it) counts: any CA can write one into a certificate.
   */
  private async assertPhoneAvailable(db: Executor, phone: string, profile: Profile): Promise<void> {
    const owner = await findUserByPhone(db, phone);
    if (!owner || owner.id === profile.user_id) return;
    const held = await listProfilesOfUser(db, owner.id);
    const person = vouchedSnils(profile);
    const samePerson = person !== null && held.every((other) => vouchedSnils(other) === person);
    if (!samePerson) throw new ApiError("PhoneAlreadyRegistered");
  }

  /**
   * Every attempt counts, a refused one too, before the phone is looked at: PhoneAlreadyRegistered says the
   * phone is registered, and uncounted (no SMS is sent for it) it let one session test every number, past the
   * contacts lookup quota that exists to prevent exactly that.
   */
  private async spendAttempt(profileId: number, addressKey: string): Promise<void> {
    const { attempts, onLimited } = this.options;
    if (
      (await attempts.take(`registryPhone:profile:${profileId}`)) &&
      (await attempts.take(`registryPhone:address:${addressKey}`))
    )
      return;
    onLimited?.("sms_attempts");
    throw new ApiError("SMSError", "too many phone registration attempts");
  }

  private async assertWithinLimits(phone: string, addressKey: string, now: number): Promise<void> {
    const { db, resendIntervalMs, perHourPerPhone, perHourPerAddress, onLimited } = this.options;
    const history = await phoneSendHistory(db, phone, now - HOUR);
    if (history.lastSentAt !== null && now - history.lastSentAt < resendIntervalMs) {
      onLimited?.("sms_resend");
      throw new ApiError("SMSError", "resend too soon");
    }
    if (history.sentSince >= perHourPerPhone) {
      onLimited?.("sms_per_phone");
      throw new ApiError("SMSError", "hourly limit for the phone");
    }
    if ((await addressSendCount(db, addressKey, now - HOUR)) >= perHourPerAddress) {
      onLimited?.("sms_per_address");
      throw new ApiError("SMSError", "hourly limit for the client address");
    }
  }
}

/** A code sent as a JSON number (or coerced to one) has lost its leading zeros: 12345 means "012345". */
function normalizeCode(input: string | number): string {
  const text = String(input).trim();
  return /^\d{1,5}$/.test(text) ? text.padStart(6, "0") : text;
}

function sameCode(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
