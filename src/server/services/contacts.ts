import { normalizePhone } from "../../protocol/phone.ts";
import type { Contact } from "../../protocol/schemas/chats.ts";
import { findChatsByPairKeys, listChatsOfProfile } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { listProfilesByPhones } from "../storage/repositories/profiles.ts";
import { personalPairKey } from "./chats.ts";
import { buildContacts, contactProfileOf } from "./contact-view.ts";
import type { Identity } from "./sessions.ts";

/** /api/contacts/: the caller's chat list, or a search for registered profiles by phone (DESIGN §6). */
export class ContactService {
  constructor(private readonly db: Executor) {}

  list(identity: Identity, phones: readonly (string | number)[] | undefined): Promise<Contact[]> {
    return phones && phones.length > 0 ? this.search(identity, phones) : this.chats(identity);
  }

  /**
   * One entry per chat, most recent activity first. A personal chat shows the other member; a group or
   * channel shows its owner (the caller, for chats the caller owns) with the chat's name in `chatName`.
   */
  private async chats(identity: Identity): Promise<Contact[]> {
    const me = identity.profile.id;
    const chats = await listChatsOfProfile(this.db, me);
    const entries = chats.map((chat) => ({ chat, profileId: contactProfileOf(chat, me) }));
    return buildContacts(this.db, identity, entries);
  }

  /** Registered profiles holding one of the phones (not the caller's own), each with its personal chat. */
  private async search(identity: Identity, phones: readonly (string | number)[]): Promise<Contact[]> {
    const me = identity.profile.id;
    const normalized = new Set(phones.flatMap((phone) => normalizePhone(String(phone)) ?? []));
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
    return buildContacts(this.db, identity, entries);
  }
}
