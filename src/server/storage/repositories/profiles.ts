import type { Insertable, Selectable } from "kysely";
import { ChatType } from "../../../protocol/schemas/chats.ts";
import type { ProfilesTable } from "../schema.ts";
import { MemberRole } from "./chats.ts";
import { compiledOnce, compiledStatement } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";

export type Profile = Selectable<ProfilesTable>;
export type ProfileFields = Omit<Insertable<ProfilesTable>, "id" | "user_id" | "photo" | "created_at">;

export function findProfileById(db: Executor, id: number): Promise<Profile | undefined> {
  return db.selectFrom("profiles").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findProfileByKey(db: Executor, profileKey: string): Promise<Profile | undefined> {
  return db.selectFrom("profiles").selectAll().where("profile_key", "=", profileKey).executeTakeFirst();
}

/** Inserts a profile with `fields.profile_key` unless one exists: the new profile, or undefined if it existed. */
export function insertProfileIfNew(
  db: Executor,
  fields: ProfileFields,
  now: number,
): Promise<Profile | undefined> {
  return db
    .insertInto("profiles")
    .values({ ...fields, user_id: null, photo: null, created_at: now })
    .onConflict((conflict) => conflict.column("profile_key").doNothing())
    .returningAll()
    .executeTakeFirst();
}

/** What a certificate says about its holder, without the profile key. */
export type ProfileDescription = Omit<ProfileFields, "profile_key">;

const describeProfileStatement = compiledStatement(
  (
    db: Executor,
    id: number,
    type: number,
    name: string,
    company: string | null,
    title: string | null,
    inn: string | null,
    ogrn: string | null,
    snils: string | null,
  ) => db.updateTable("profiles").set({ type, name, company, title, inn, ogrn, snils }).where("id", "=", id),
  8,
);

/** Writes every field of the description (one absent is null: the certificate does not say it). */
export async function describeProfile(
  db: Executor,
  id: number,
  description: ProfileDescription,
): Promise<void> {
  const { type, name, company, title, inn, ogrn, snils } = description;
  await describeProfileStatement(
    db,
    id,
    type,
    name,
    company ?? null,
    title ?? null,
    inn ?? null,
    ogrn ?? null,
    snils ?? null,
  );
}

export async function deleteProfile(db: Executor, id: number): Promise<void> {
  await db.deleteFrom("profiles").where("id", "=", id).execute();
}

export function listProfilesOfUser(db: Executor, userId: number): Promise<Profile[]> {
  return db.selectFrom("profiles").selectAll().where("user_id", "=", userId).orderBy("id").execute();
}

/**
 * The profile with `fields.profile_key`, created if new; an existing one takes the newest certificate's
 * descriptive fields (a renewed certificate may carry a new title or company).
 */
export async function upsertProfile(db: Executor, fields: ProfileFields, now: number): Promise<Profile> {
  const { profile_key: _key, ...descriptive } = fields;
  await db
    .insertInto("profiles")
    .values({ ...fields, user_id: null, photo: null, created_at: now })
    .onConflict((conflict) => conflict.column("profile_key").doUpdateSet(descriptive))
    .execute();
  const profile = await db
    .selectFrom("profiles")
    .selectAll()
    .where("profile_key", "=", fields.profile_key)
    .executeTakeFirst();
  if (!profile) throw new Error(`profile ${fields.profile_key} vanished after upsert`);
  return profile;
}

export async function linkProfileToUser(db: Executor, profileId: number, userId: number): Promise<void> {
  await db.updateTable("profiles").set({ user_id: userId }).where("id", "=", profileId).execute();
}

/** A profile with the phone of its user (null while no phone is confirmed). */
export type ProfileWithPhone = Profile & { phone: string | null };

function selectWithPhone(db: Executor) {
  return db
    .selectFrom("profiles")
    .leftJoin("users", "users.id", "profiles.user_id")
    .selectAll("profiles")
    .select("users.phone");
}

export function listProfilesWithPhones(db: Executor, profileIds: number[]): Promise<ProfileWithPhone[]> {
  if (profileIds.length === 0) return Promise.resolve([]);
  return selectWithPhone(db).where("profiles.id", "in", profileIds).orderBy("profiles.id").execute();
}

/**
 * Which of `others` share at least one chat with `profileId` in which it sees them: not a channel's subscriber
 * seen by a subscriber (a subscriber sees only the owner, the admins and itself, docs/API.md).
 */
export async function listProfilesSharingAChat(
  db: Executor,
  profileId: number,
  others: readonly number[],
): Promise<number[]> {
  if (others.length === 0) return [];
  const rows = await db
    .selectFrom("chat_members as mine")
    .innerJoin("chat_members as other", "other.chat_id", "mine.chat_id")
    .innerJoin("chats", "chats.id", "mine.chat_id")
    .select("other.profile_id")
    .distinct()
    .where("mine.profile_id", "=", profileId)
    .where("other.profile_id", "in", others)
    .where((eb) =>
      eb.or([
        eb("chats.type", "!=", ChatType.channel),
        eb("mine.role", ">=", MemberRole.admin),
        eb("other.role", ">=", MemberRole.admin),
      ]),
    )
    .execute();
  return rows.map((row) => row.profile_id);
}

/** The profiles whose confirmed phone is one of `phones` (E.164 digits). */
export function listProfilesByPhones(db: Executor, phones: string[]): Promise<ProfileWithPhone[]> {
  if (phones.length === 0) return Promise.resolve([]);
  return selectWithPhone(db).where("users.phone", "in", phones).orderBy("profiles.id").execute();
}

const phoneAndBalance = compiledOnce(
  (db: Executor, userId: number, profileId: number) =>
    db.selectNoFrom((eb) => [
      eb.selectFrom("users").select("phone").where("id", "=", userId).as("phone"),
      eb
        .selectFrom("billing_entries")
        .select((sum) => sum.fn.sum<number | string | null>("amount_minor").as("total"))
        .where("profile_id", "=", profileId)
        .as("total"),
    ]),
  2,
);

/**
 * The phone of the profile's user (null without one) and its balance in minor units (the sum of its ledger),
 * in one query.
 */
export async function phoneAndBalanceOf(
  db: Executor,
  profile: { id: number; user_id: number | null },
): Promise<{ phone: string | null; balanceMinor: number }> {
  const [row] = await phoneAndBalance(db, profile.user_id ?? 0, profile.id);
  return { phone: row?.phone ?? null, balanceMinor: Number(row?.total ?? 0) };
}
