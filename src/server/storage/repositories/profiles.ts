import type { Insertable, Selectable } from "kysely";
import type { ProfilesTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type Profile = Selectable<ProfilesTable>;
export type ProfileFields = Omit<Insertable<ProfilesTable>, "id" | "user_id" | "photo" | "created_at">;

export function findProfileById(db: Executor, id: number): Promise<Profile | undefined> {
  return db.selectFrom("profiles").selectAll().where("id", "=", id).executeTakeFirst();
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
