import type { Executor } from "./executor.ts";
import { countSessionsEnded } from "./session-ends.ts";

/** Which sessions an operator means: one session, every session of a certificate, or of a profile. */
export type SessionSelector = { sessionId: number } | { certificateId: number } | { profileId: number };

/** The sessions column a selector filters on, and its value. */
function selectorColumn(selector: SessionSelector): ["id" | "certificate_id" | "profile_id", number] {
  if ("sessionId" in selector) return ["id", selector.sessionId];
  if ("certificateId" in selector) return ["certificate_id", selector.certificateId];
  return ["profile_id", selector.profileId];
}

/** A confirmed session as the admin CLI lists it (never with its token: that is a bearer credential). */
export interface SessionListing {
  id: number;
  profileId: number;
  profileName: string | null;
  certificateId: number;
  fingerprint: string | null;
  createdAt: number;
  lastSeenAt: number;
  clientAddress: string;
}

/**
 * Confirmed sessions, newest first; `selector` narrows them, `seenSince` (Unix ms) leaves out those idle
 * since before it (expired ones, when given now minus the idle TTL).
 */
export async function listConfirmedSessions(
  db: Executor,
  options: { selector?: SessionSelector; seenSince?: number; limit: number },
): Promise<SessionListing[]> {
  let query = db
    .selectFrom("sessions")
    .leftJoin("profiles", "profiles.id", "sessions.profile_id")
    .leftJoin("certificates", "certificates.id", "sessions.certificate_id")
    .select([
      "sessions.id as id",
      "sessions.profile_id as profileId",
      "profiles.name as profileName",
      "sessions.certificate_id as certificateId",
      "certificates.fingerprint as fingerprint",
      "sessions.created_at as createdAt",
      "sessions.last_seen_at as lastSeenAt",
      "sessions.client_address as clientAddress",
    ])
    .where("sessions.confirmed", "=", 1);
  if (options.selector) {
    const [column, value] = selectorColumn(options.selector);
    query = query.where(`sessions.${column}`, "=", value);
  }
  if (options.seenSince !== undefined) query = query.where("sessions.last_seen_at", ">=", options.seenSince);
  return query.orderBy("sessions.id", "desc").limit(options.limit).execute();
}

/**
 * Revokes the selected sessions: confirmed ones stop working at once (their token reads as unconfirmed:
 * NeedAuthentication), pending ones lose their nonce so they can never be confirmed. Sessions stay as rows
 * (messages refer to them). Counts the ending (session-ends.ts) when there was one: run it in a transaction.
 * Returns how many were revoked.
 */
export async function revokeSessions(db: Executor, selector: SessionSelector): Promise<number> {
  const [column, value] = selectorColumn(selector);
  const result = await db
    .updateTable("sessions")
    .set({ confirmed: 0, nonce: null })
    .where(column, "=", value)
    .where((eb) => eb.or([eb("confirmed", "=", 1), eb("nonce", "is not", null)]))
    .executeTakeFirst();
  const revoked = Number(result.numUpdatedRows);
  if (revoked > 0) await countSessionsEnded(db);
  return revoked;
}
