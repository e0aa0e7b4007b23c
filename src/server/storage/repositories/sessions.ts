import type { Insertable, Selectable } from "kysely";
import type { SessionsTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type Session = Selectable<SessionsTable>;

export async function insertSession(
  db: Executor,
  session: Omit<Insertable<SessionsTable>, "id" | "confirmed">,
): Promise<void> {
  await db
    .insertInto("sessions")
    .values({ ...session, confirmed: 0 })
    .execute();
}

/** No token holds a NUL (they are UUIDs); PostgreSQL would refuse the query rather than find nothing. */
export async function findSessionByToken(db: Executor, token: string): Promise<Session | undefined> {
  if (token.includes("\u0000")) return undefined;
  return db.selectFrom("sessions").selectAll().where("token", "=", token).executeTakeFirst();
}

/**
 * Takes the session's pending nonce for one confirmation attempt. The nonce is cleared by a conditional
 * update, so it is used once even when two requests race. Returns the session as it was, or undefined if no
 * nonce was pending.
 */
export async function takeNonce(db: Executor, token: string): Promise<Session | undefined> {
  const session = await db
    .selectFrom("sessions")
    .selectAll()
    .where("token", "=", token)
    .where("nonce", "is not", null)
    .where("confirmed", "=", 0)
    .executeTakeFirst();
  if (!session) return undefined;
  const taken = await db
    .updateTable("sessions")
    .set({ nonce: null })
    .where("id", "=", session.id)
    .where("nonce", "is not", null)
    .executeTakeFirst();
  return taken.numUpdatedRows === 1n ? session : undefined;
}

export async function confirmSession(db: Executor, id: number, now: number): Promise<void> {
  await db.updateTable("sessions").set({ confirmed: 1, last_seen_at: now }).where("id", "=", id).execute();
}

export async function touchSession(db: Executor, id: number, now: number): Promise<void> {
  await db.updateTable("sessions").set({ last_seen_at: now }).where("id", "=", id).execute();
}
