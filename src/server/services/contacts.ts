import { ApiError } from "../../protocol/errors.ts";
import { MIN_PHONE_DIGITS, normalizePhone } from "../../protocol/phone.ts";
import type { Contact } from "../../protocol/schemas/chats.ts";
import { findChatsByPairKeys, listChatsOfProfile } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { listProfilesByPhones } from "../storage/repositories/profiles.ts";
import { personalPairKey } from "./chats.ts";
import type { Clock } from "./clock.ts";
import { buildContacts, contactProfileOf } from "./contact-view.ts";
import type { LookupQuota } from "./lookup-quota.ts";
import { lookupAccount } from "./named-profiles.ts";
import type { Identity } from "./sessions.ts";

/** Who may look up how many phones: the quota store and the distinct phones per account and day. */
export interface ContactLookupLimit {
  quota: LookupQuota;
  perDay: number;
}

/** /api/contacts/: the caller's chat list, or a search for registered profiles by phone (docs/DECISIONS.md §6). */
export class ContactService {
  constructor(
    private readonly db: Executor,
    private readonly lookups: ContactLookupLimit,
    private readonly clock: Clock,
  ) {}

  list(identity: Identity, phones: readonly (string | number)[] | null | undefined): Promise<Contact[]> {
    return phones && phones.length > 0 ? this.search(identity, phones) : this.chats(identity);
  }

  /**
   * One entry per chat, most recent activity first. A personal chat shows the other member; a group or
   * channel shows its owner (the caller, for chats the caller owns) with the chat's name in `chatName`.
   */
  private async chats(identity: Identity): Promise<Contact[]> {
    const me = identity.profile.id;
    const chats = await listChatsOfProfile(this.db, me);
    const entries = chats.map((chat) => ({
      chat,
      profileId: contactProfileOf(chat, me),
      role: chat.role,
      lastMessageId: chat.last_visible_message_id,
    }));
    return buildContacts(this.db, identity, entries, this.clock());
  }

  /**
   * Registered profiles holding one of the phones (not the caller's own), each with its personal chat. Each
   * distinct phone counts against the caller's daily lookup quota (per person, lookupAccount: several profiles
   * of one person share it); a request that would pass it is refused whole with DataError and reveals nothing.
   */
  private async search(identity: Identity, phones: readonly (string | number)[]): Promise<Contact[]> {
    const me = identity.profile.id;
    // A phone shorter than any registrable one finds nobody and costs no quota.
    const normalized = new Set(
      phones
        .flatMap((phone) => normalizePhone(String(phone)) ?? [])
        .filter((p) => p.length >= MIN_PHONE_DIGITS),
    );
    if (
      !(await this.lookups.quota.admit(lookupAccount(identity.profile), [...normalized], this.lookups.perDay))
    ) {
      throw new ApiError("DataError", "daily contact lookup quota reached");
    }
    const profiles = (await listProfilesByPhones(this.db, [...normalized])).filter((p) => p.id !== me);
    const chats = await findChatsByPairKeys(
      this.db,
      profiles.map((profile) => personalPairKey(me, profile.id)),
    );
    const chatByPair = new Map(chats.map((chat) => [chat.pair_key, chat]));
    const entries = profiles.map((profile) => ({
      profileId: profile.id,
      chat: chatByPair.get(personalPairKey(me, profile.id)) ?? null,
    }));
    return buildContacts(this.db, identity, entries, this.clock());
  }
}
