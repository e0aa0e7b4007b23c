import { ApiError } from "../../protocol/errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import {
  listProfilesSharingAChat,
  listProfilesWithPhones,
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
 * So the phones of the profiles named (as the caller read them) count against the same quota as /api/contacts/ — a
 * phone already looked up that day is free — except for profiles the caller already shares a chat with (it has
 * seen them already). An id with no confirmed phone (unknown, or not registered) counts as a lookup of its own, so
 * that the quota is decided before, and whatever, the id is: past it every id not admitted gets the same
 * DataError, and CreateChatKeysError / CreateChatError no longer tell which ids are registered (review-authz).
 * Nothing is recorded when refused. Returns the named profiles that exist, with their phones.
 */
export async function admitNamedProfiles(
  db: Executor,
  limit: ContactLookupLimit,
  identity: Identity,
  ids: readonly number[],
): Promise<ProfileWithPhone[]> {
  const profiles = await listProfilesWithPhones(db, [...ids]);
  const me = identity.profile.id;
  const others = ids.filter((id) => id !== me);
  if (others.length === 0) return profiles;
  const met = new Set(await listProfilesSharingAChat(db, me, others));
  const phoneOf = new Map(profiles.map((profile) => [profile.id, profile.phone]));
  // "id:<pid>" never equals a phone (digits only).
  const lookups = others.flatMap((id) => (met.has(id) ? [] : [phoneOf.get(id) ?? `id:${id}`]));
  if (lookups.length === 0) return profiles;
  if (!(await limit.quota.admit(lookupAccount(identity.profile), [...new Set(lookups)], limit.perDay)))
    throw new ApiError("DataError", "daily contact lookup quota reached");
  return profiles;
}
