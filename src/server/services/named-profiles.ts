import { ApiError } from "../../protocol/errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { listProfilesSharingAChat, listProfilesWithPhones } from "../storage/repositories/profiles.ts";
import type { ContactLookupLimit } from "./contacts.ts";
import type { Identity } from "./sessions.ts";

/** The quota account of a caller: its user (several profiles of one person share it), else its profile. */
export function lookupAccount(identity: Identity): string {
  return String(identity.profile.user_id ?? `profile:${identity.profile.id}`);
}

/**
 * createChat and addMembers name members by profile id, and answer with what a phone lookup answers (a personal
 * chat's contact, the member list): phone, name, certificates. Ids are small sequential numbers, so without this a
 * caller past its daily lookup quota could still harvest strangers by guessing ids (an outside review, session 8).
 * So the phones of the profiles named count against the same quota as /api/contacts/ — a phone already looked up
 * that day is free — except for profiles the caller already shares a chat with (it has seen them already).
 * DataError, as for a lookup, when the quota would be passed; nothing is recorded then.
 */
export async function admitNamedProfiles(
  db: Executor,
  limit: ContactLookupLimit,
  identity: Identity,
  profileIds: readonly number[],
): Promise<void> {
  const me = identity.profile.id;
  const others = [...new Set(profileIds)].filter((id) => id !== me);
  if (others.length === 0) return;
  const met = new Set(await listProfilesSharingAChat(db, me, others));
  const unmet = others.filter((id) => !met.has(id));
  if (unmet.length === 0) return;
  const phones = (await listProfilesWithPhones(db, unmet)).flatMap((profile) => profile.phone ?? []);
  if (!(await limit.quota.admit(lookupAccount(identity), [...new Set(phones)], limit.perDay)))
    throw new ApiError("DataError", "daily contact lookup quota reached");
}
