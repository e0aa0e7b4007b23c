import type { Clock } from "./clock.ts";

export const DAY_MS = 86_400_000;

/** The UTC day a moment falls in (days since the Unix epoch): the quota's window. */
export function dayOf(now: number): number {
  return Math.floor(now / DAY_MS);
}

/**
 * How many distinct phones one account may look up per (UTC) day through /api/contacts/. A phone already
 * looked up that day is free again; a request that would pass the quota is refused whole and records nothing.
 */
export interface LookupQuota {
  /**
   * Records `phones` (normalized, distinct) as looked up today by `account`; false, with nothing recorded,
   * when the account's distinct phones of the day would then exceed `limit`.
   */
  admit(account: string, phones: readonly string[], limit: number): Promise<boolean>;
}

/**
 * The phones each account looked up today, in this process (one node, or the fallback while Redis is
 * away). Entries of an earlier day are dropped when the day changes, so memory holds one day at most.
 */
export class MemoryLookupQuota implements LookupQuota {
  private day: number;
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly clock: Clock) {
    this.day = dayOf(clock());
  }

  async admit(account: string, phones: readonly string[], limit: number): Promise<boolean> {
    const today = dayOf(this.clock());
    if (today !== this.day) {
      this.day = today;
      this.seen.clear();
    }
    const known = this.seen.get(account) ?? new Set<string>();
    const fresh = phones.filter((phone) => !known.has(phone));
    if (fresh.length === 0) return true;
    if (known.size + fresh.length > limit) return false;
    for (const phone of fresh) known.add(phone);
    this.seen.set(account, known);
    return true;
  }
}
