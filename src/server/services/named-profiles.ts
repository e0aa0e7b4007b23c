import { ApiError } from "../../protocol/errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import {
  listProfilesSharingAChat,
  type Profile,
  type ProfileWithPhone,
} from "../storage/repositories/profiles.ts";
import type { ContactLookupLimit } from "./contacts.ts";
import { vouchedSnils } from "./profile-identity.ts";
import type { Identity } from "./sessions.ts";

/**
 * The quota account of a caller: the person (the SNILS a qualified CA vouched for, which every profile sharing a
 * phone has in common, so they share the account), else the profile. Not the phone's user: a profile that
 * confirmed another phone it holds would start a fresh day's quota (outside review review-authz).
 */
export function lookupAccount(profile: Pick<Profile, "id" | "profile_key" | "snils">): string {
  const person = vouchedSnils(profile);
  return person === null ? `profile:${profile.id}` : `person:${person}`;
}

/**
 * createChat and addMembers name members by profile id, and answer with what a phone lookup answers (a personal
 * chat's contact, the member list): phone, name, certificates. Ids are small sequential numbers, so without this a
 * caller past its daily lookup quota could still harvest strangers by guessing ids (an outside review, session 8).
 * So the phones of the profiles named (as the caller read them) count against the same quota as /api/contacts/ — a phone already looked up
 * that day is free — except for profiles the caller already shares a chat with (it has seen them already).
 * DataError, as for a lookup, when the quota would be passed; nothing is recorded then.
 */
export async function admitNamedProfiles(
  db: Executor,
  limit: ContactLookupLimit,
  identity: Identity,
  profiles: readonly Pick<ProfileWithPhone, "id" | "phone">[],
): Promise<void> {
  const me = identity.profile.id;
  const others = profiles.filter((profile) => profile.id !== me);
  if (others.length === 0) return;
  const met = new Set(
    await listProfilesSharingAChat(
      db,
      me,
      others.map((profile) => profile.id),
    ),
  );
  const phones = others.flatMap((profile) => (met.has(profile.id) ? [] : (profile.phone ?? [])));
  if (phones.length === 0) return;
  if (!(await limit.quota.admit(lookupAccount(identity.profile), [...new Set(phones)], limit.perDay)))
    throw new ApiError("DataError", "daily contact lookup quota reached");
}
