import type { Selectable } from "kysely";
import type { AuditEventsTable } from "../schema.ts";
import { compiledStatement } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";

/**
 * What an audit event records. Dotted names, grouped by what they are about; later issues add their own
 * (membership: "chat.member.added" / "chat.member.removed" with `chatId` and the member's `profileId`; key
 * epochs: "chat.key.rotated" with `chatId`) without a schema change.
 */
export type AuditEventType =
  /** A session was confirmed (confirmAuth): `profileId`, `certificateId`, `sessionId`, details.address. */
  | "login"
  /** A certificate was stored for the first time, joined to `profileId`. */
  | "certificate.attached"
  /** An operator revoked sessions (`certchat sessions revoke`): details.selector, details.count. */
  | "session.revoked"
  /** A person ended their own session (/api/logout/): `profileId`, `certificateId`, `sessionId`. */
  | "logout"
  /** An operator topped up a balance (`certchat billing topup`): details.amountMinor. */
  | "billing.topup"
  /** A member was added to `chatId` (`profileId`): details.history ("now" or "all"). */
  | "chat.member.added"
  /** A member was removed from `chatId` (`profileId`): details.keyId, the epoch the removal began. */
  | "chat.member.removed"
  /** A member (`profileId`) left `chatId`. */
  | "chat.member.left"
  /** The owner changed a member's role in `chatId`: details.role. */
  | "chat.member.role"
  /** `chatId` moved to a new key epoch: details.keyId, details.reason ("remove" or "rotate"). */
  | "chat.key.rotated"
  /**
   * A member certificate (`certificateId` of `profileId`) refused its key rows of `chatId` (refuseKeys):
   * details.rows, [epoch, wrapping certificate] each. Evidence of a member posting bad rows, or of a broken client.
   */
  | "chat.key.refused";

export interface AuditEvent {
  type: AuditEventType;
  actor: string;
  profileId?: number;
  certificateId?: number;
  sessionId?: number;
  chatId?: string;
  details?: Record<string, unknown>;
}

export type AuditRow = Selectable<AuditEventsTable>;

/** Appends one event; run it in the transaction of the change it records, so both commit or neither. */
export async function recordAuditEvent(db: Executor, event: AuditEvent, at: number): Promise<void> {
  await insertAuditEvent(
    db,
    at,
    event.type,
    event.actor,
    event.profileId ?? null,
    event.certificateId ?? null,
    event.sessionId ?? null,
    event.chatId ?? null,
    event.details ? JSON.stringify(event.details) : null,
  );
}

/** Compiled once: every login records one. */
const insertAuditEvent = compiledStatement(
  (
    db: Executor,
    at: number,
    type: AuditEventType,
    actor: string,
    profile_id: number | null,
    certificate_id: number | null,
    session_id: number | null,
    chat_id: string | null,
    details: string | null,
  ) =>
    db
      .insertInto("audit_events")
      .values({ at, type, actor, profile_id, certificate_id, session_id, chat_id, details }),
  8,
);

export interface AuditQuery {
  /** Unix milliseconds: only events at or after it. */
  since?: number;
  profileId?: number;
  /** Only events with a larger id (paging through a long log). */
  afterId?: number;
  limit: number;
}

/** Events in the order they were recorded (by id), oldest first. */
export function listAuditEvents(db: Executor, query: AuditQuery): Promise<AuditRow[]> {
  let select = db.selectFrom("audit_events").selectAll();
  if (query.since !== undefined) select = select.where("at", ">=", query.since);
  if (query.profileId !== undefined) select = select.where("profile_id", "=", query.profileId);
  if (query.afterId !== undefined) select = select.where("id", ">", query.afterId);
  return select.orderBy("id").limit(query.limit).execute();
}
