import { encodeBase64 } from "../../protocol/base64.ts";
import { ChatType, type Contact, type ContactKey } from "../../protocol/schemas/chats.ts";
import { listCertificatesOfProfiles } from "../storage/repositories/certificates.ts";
import { type ChatKeyForCertificate, listKeysForCertificate } from "../storage/repositories/chat-keys.ts";
import { type Chat, MemberRole } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { listProfilesWithPhones } from "../storage/repositories/profiles.ts";
import { commitmentView } from "./epoch-commitment.ts";
import { threePartName } from "./full-name.ts";
import type { Identity } from "./sessions.ts";
import { roleName, waitListsOf } from "./wait-list-view.ts";

/** One contact to show: a profile, and the chat it stands for (null: a phone search hit without a chat). */
export interface ContactEntry {
  profileId: number;
  chat: Chat | null;
  /** The caller's role in the chat; absent: read from the chat's owner (personal chats, a new chat). */
  role?: number;
  /** The chat list's `lastMessageId` (the last message the caller may read, null: none); absent elsewhere. */
  lastMessageId?: number | null;
}

/**
 * The profile a chat's contact shows: the other member of a personal chat (read from its pair key), the
 * owner of a group or channel (the caller, for chats the caller owns).
 */
export function contactProfileOf(chat: Chat, me: number): number {
  if (chat.type === ChatType.personal && chat.pair_key) {
    const [first, second] = chat.pair_key.split(":").map(Number);
    if (first !== undefined && second !== undefined) return first === me ? second : first;
  }
  return chat.owner_profile_id;
}

type ContactCertificate = Contact["certificates"][number];

function bytes(value: Uint8Array): string {
  return encodeBase64(new Uint8Array(value));
}

function keyView(row: ChatKeyForCertificate): ContactKey {
  return {
    id: row.id,
    key: bytes(row.wrapped_key),
    import: row.wrapped_by_profile_id === row.profile_id,
    cert: bytes(row.wrapped_by_der),
    keyId: row.key_id,
    sign: row.sign,
    commitment: commitmentView(row),
  };
}

/** The caller's role: as listed, else the owner's for the chat's owner and "member" for everyone else. */
function roleOf(entry: ContactEntry, chat: Chat, me: number): number {
  return entry.role ?? (chat.owner_profile_id === me ? MemberRole.owner : MemberRole.member);
}

/**
 * Contact objects of the spec for the given entries, in their order, with four batched queries whatever
 * their number: the profiles with phones, their certificates, the current-epoch keys of the session's
 * certificate and the wait lists (plus one per chat somebody waits in). Entries whose profile has no
 * confirmed phone are left out (a contact never has a null uid).
 */
export async function buildContacts(
  db: Executor,
  identity: Identity,
  entries: ContactEntry[],
  now: number,
): Promise<Contact[]> {
  const profileIds = [...new Set(entries.map((entry) => entry.profileId))];
  const chatIds = entries.flatMap((entry) => (entry.chat ? [entry.chat.id] : []));
  const [profiles, certificates, keys, waitLists] = await Promise.all([
    listProfilesWithPhones(db, profileIds),
    listCertificatesOfProfiles(db, profileIds),
    listKeysForCertificate(db, chatIds, identity.session.certificate_id),
    waitListsOf(db, chatIds, now, identity.profile.id),
  ]);
  const profileById = new Map(profiles.map((profile) => [profile.id, profile]));
  const keyByChat = new Map(keys.map((key) => [key.chat_id, key]));
  const certificatesByProfile = new Map<number, ContactCertificate[]>();
  for (const row of certificates) {
    const list = certificatesByProfile.get(row.profile_id) ?? [];
    list.push({ id: row.id, cert: bytes(row.der) });
    certificatesByProfile.set(row.profile_id, list);
  }

  return entries.flatMap((entry) => {
    const { profileId, chat } = entry;
    const profile = profileById.get(profileId);
    if (!profile || profile.user_id === null || profile.phone === null) return [];
    const key = chat ? keyByChat.get(chat.id) : undefined;
    return [
      {
        uid: profile.user_id,
        pid: profile.id,
        user: threePartName(profile.name),
        name: profile.company ?? threePartName(profile.name),
        title: profile.title,
        phone: profile.phone,
        photo: profile.photo,
        type: profile.type,
        certificates: certificatesByProfile.get(profileId) ?? [],
        chatId: chat?.id ?? null,
        chatType: chat?.type ?? ChatType.personal,
        chatName: chat?.name ?? null,
        key: key ? keyView(key) : null,
        keyId: chat?.key_id ?? null,
        role: chat ? roleName(roleOf(entry, chat, identity.profile.id)) : null,
        rotationDue: chat?.rotation_due === 1,
        waitList: (chat && waitLists.get(chat.id)) || [],
        ...(entry.lastMessageId !== undefined ? { lastMessageId: entry.lastMessageId } : {}),
      },
    ];
  });
}
