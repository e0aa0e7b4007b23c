import { addBillingEntry, balanceOf } from "../storage/repositories/billing.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { findProfileById } from "../storage/repositories/profiles.ts";

/** Parses an amount of roubles with at most two decimals into kopecks ("299", "299.5", "299.00"). */
export function parseAmount(text: string): number {
  const match = /^(-?)(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) throw new Error(`not an amount of roubles with at most two decimals: "${text}"`);
  const minor = Number(match[2]) * 100 + Number((match[3] ?? "0").padEnd(2, "0"));
  return match[1] === "-" ? -minor : minor;
}

/** Adds a top-up to the profile's ledger and returns the new balance in kopecks. */
export async function topUp(
  db: Executor,
  profileId: number,
  amountMinor: number,
  now: number,
): Promise<number> {
  if (!(await findProfileById(db, profileId))) throw new Error(`no profile with id ${profileId}`);
  await addBillingEntry(db, { profileId, amountMinor, reason: "topup" }, now);
  return balanceOf(db, profileId);
}
