import type { Selectable } from "kysely";
import type { UsersTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type User = Selectable<UsersTable>;

export function findUserByPhone(db: Executor, phone: string): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("phone", "=", phone).executeTakeFirst();
}

export function findUserById(db: Executor, id: number): Promise<User | undefined> {
  return db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The user owning `phone`, created if the phone is new (safe against a concurrent insert of the same phone). */
export async function findOrCreateUser(db: Executor, phone: string, now: number): Promise<User> {
  await db
    .insertInto("users")
    .values({ phone, created_at: now })
    .onConflict((conflict) => conflict.column("phone").doNothing())
    .execute();
  const user = await findUserByPhone(db, phone);
  if (!user) throw new Error(`user for phone ${phone} vanished after insert`);
  return user;
}
