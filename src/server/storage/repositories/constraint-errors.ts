/**
 * Whether a driver error is a unique-constraint violation: better-sqlite3 reports SQLITE_CONSTRAINT_UNIQUE
 * (or _PRIMARYKEY), pg reports SQLSTATE 23505. Callers use it to resolve races on natural keys.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== "object" || error === null || !("code" in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** Why the message admission trigger (migration 0007) refused an insert. */
export type MessageRefusal = "not-member" | "stale-key";

/**
 * The trigger's refusal carried by a driver error, or undefined for any other error: SQLite's RAISE(ABORT)
 * (SQLITE_CONSTRAINT_TRIGGER, also as the writer thread reports it) and PostgreSQL's RAISE (SQLSTATE P0001)
 * both carry the message 'certchat:not-member' or 'certchat:stale-key'.
 */
export function messageRefusal(error: unknown): MessageRefusal | undefined {
  if (typeof error !== "object" || error === null || !("code" in error) || !("message" in error))
    return undefined;
  const { code, message } = error as { code: unknown; message: unknown };
  if (code !== "P0001" && code !== "SQLITE_CONSTRAINT_TRIGGER") return undefined;
  if (message === "certchat:not-member") return "not-member";
  if (message === "certchat:stale-key") return "stale-key";
  return undefined;
}

/** Whether a driver error is PostgreSQL's deadlock abort (SQLSTATE 40P01): the transaction may simply run again. */
export function isDeadlock(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "40P01";
}

/**
 * Runs a transaction body, again (at most `retries` times) when PostgreSQL aborted it as a deadlock victim:
 * lock orders are kept, so a deadlock is a rare race the next attempt wins, not the client's error.
 */
export async function retryOnDeadlock<T>(run: () => Promise<T>, retries = 2): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= retries || !isDeadlock(error)) throw error;
    }
  }
}
