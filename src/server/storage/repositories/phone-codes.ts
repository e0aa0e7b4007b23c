import type { Insertable, Selectable } from "kysely";
import type { PhoneCodesTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type PhoneCode = Selectable<PhoneCodesTable>;

export async function insertPhoneCode(
  db: Executor,
  code: Omit<Insertable<PhoneCodesTable>, "id" | "attempts" | "confirmed_at">,
): Promise<number> {
  const row = await db
    .insertInto("phone_codes")
    .values({ ...code, attempts: 0, confirmed_at: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export function findPhoneCode(db: Executor, id: number): Promise<PhoneCode | undefined> {
  return db.selectFrom("phone_codes").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function deletePhoneCode(db: Executor, id: number): Promise<void> {
  await db.deleteFrom("phone_codes").where("id", "=", id).execute();
}

/**
 * Counts one check against the code, atomically and only while checks remain; false when the code has
 * used all `maxAttempts` checks.
 */
export async function countAttempt(db: Executor, id: number, maxAttempts: number): Promise<boolean> {
  const result = await db
    .updateTable("phone_codes")
    .set((eb) => ({ attempts: eb("attempts", "+", 1) }))
    .where("id", "=", id)
    .where("attempts", "<", maxAttempts)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Marks the code used; false if it was already used (a concurrent confirmation won). */
export async function markCodeConfirmed(db: Executor, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable("phone_codes")
    .set({ confirmed_at: now })
    .where("id", "=", id)
    .where("confirmed_at", "is", null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export interface SendHistory {
  lastSentAt: number | null;
  sentSince: number;
}

export async function phoneSendHistory(db: Executor, phone: string, since: number): Promise<SendHistory> {
  const row = await db
    .selectFrom("phone_codes")
    .select((eb) => [eb.fn.max("created_at").as("last"), eb.fn.countAll().as("count")])
    .where("phone", "=", phone)
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  return { lastSentAt: row.last === null ? null : Number(row.last), sentSince: Number(row.count) };
}

export async function addressSendCount(db: Executor, address: string, since: number): Promise<number> {
  const row = await db
    .selectFrom("phone_codes")
    .select((eb) => eb.fn.countAll().as("count"))
    .where("client_address", "=", address)
    .where("created_at", ">=", since)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
