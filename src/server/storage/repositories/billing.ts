import type { Executor } from "./executor.ts";

export async function addBillingEntry(
  db: Executor,
  entry: { profileId: number; amountMinor: number; reason: string },
  now: number,
): Promise<void> {
  await db
    .insertInto("billing_entries")
    .values({
      profile_id: entry.profileId,
      amount_minor: entry.amountMinor,
      reason: entry.reason,
      created_at: now,
    })
    .execute();
}

/** The balance in minor units (kopecks): the sum of the profile's ledger. */
export async function balanceOf(db: Executor, profileId: number): Promise<number> {
  const row = await db
    .selectFrom("billing_entries")
    .select((eb) => eb.fn.sum<number | string | null>("amount_minor").as("total"))
    .where("profile_id", "=", profileId)
    .executeTakeFirstOrThrow();
  return Number(row.total ?? 0);
}
