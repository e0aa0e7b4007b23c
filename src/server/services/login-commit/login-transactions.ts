import { CompiledQuery } from "kysely";
import { type AuditEvent, recordAuditEvent } from "../../storage/repositories/audit.ts";
import { findLoginCertificate, type NewCertificate } from "../../storage/repositories/certificates.ts";
import type { Executor } from "../../storage/repositories/executor.ts";
import type { ProfileFields } from "../../storage/repositories/profiles.ts";
import { confirmSession, insertSession, type Session } from "../../storage/repositories/sessions.ts";
import { bindLoginCertificate, boundAsIs } from "../profile-binding.ts";

/** What /api/auth/ stores once the certificate and its signature checked out (structured-clone data). */
export interface SessionOpening {
  certificate: Omit<NewCertificate, "profile_id">;
  fields: ProfileFields;
  token: string;
  nonce: Uint8Array;
  nonceExpiresAt: number;
  clientAddress: string;
  now: number;
}

/** What /api/confirmAuth/ stores once the nonce's signature checked out (structured-clone data). */
export interface SessionConfirmation {
  session: Pick<Session, "id" | "profile_id" | "certificate_id" | "client_address">;
  now: number;
}

/**
 * The auth transaction: binds the certificate to its profile (docs/DECISIONS.md §4), audits an attachment
 * and stores the unconfirmed session with its nonce. Runs in the caller's transaction.
 */
export async function openSession(trx: Executor, opening: SessionOpening): Promise<void> {
  const { certificate, fields, now } = opening;
  const { row, attached } = await bindLoginCertificate(trx, certificate, fields, now);
  if (attached) {
    const event = {
      profileId: row.profile_id,
      certificateId: row.id,
      details: { address: opening.clientAddress },
    };
    await recordAuditEvent(trx, { type: "certificate.attached", actor: "system", ...event }, now);
  }
  await insertOpenedSession(trx, opening, row);
}

/**
 * The auth transaction's common case without a transaction: a known certificate whose binding writes nothing
 * (boundAsIs) needs only its session's INSERT, one statement that commits alone. On a pool this saves the
 * BEGIN and COMMIT round trips; the read is what the transaction would read (at READ COMMITTED it takes no
 * lock either). False when the binding has something to write: the caller runs openSession in a transaction.
 */
export async function openSessionOfKnownCertificate(db: Executor, opening: SessionOpening): Promise<boolean> {
  const known = await findLoginCertificate(db, opening.certificate.fingerprint);
  if (!known || !boundAsIs(known, opening.fields)) return false;
  await insertOpenedSession(db, opening, known.row);
  return true;
}

async function insertOpenedSession(
  db: Executor,
  opening: SessionOpening,
  certificate: { id: number; profile_id: number },
): Promise<void> {
  await insertSession(db, {
    token: opening.token,
    certificate_id: certificate.id,
    profile_id: certificate.profile_id,
    nonce: opening.nonce,
    nonce_expires_at: opening.nonceExpiresAt,
    created_at: opening.now,
    last_seen_at: opening.now,
    client_address: opening.clientAddress,
  });
}

/**
 * The confirmAuth transaction: confirms the session (clearing its nonce) and records the login, so a login
 * is never in force without its audit row, nor audited without being in force. False if the nonce was used.
 */
export async function confirmOpenedSession(
  trx: Executor,
  confirmation: SessionConfirmation,
): Promise<boolean> {
  const { session, now } = confirmation;
  if (!(await confirmSession(trx, session.id, now))) return false;
  await recordAuditEvent(trx, loginEvent(session), now);
  return true;
}

/** The audit row of a confirmed login. */
function loginEvent(session: SessionConfirmation["session"]): AuditEvent {
  return {
    type: "login",
    actor: `profile:${session.profile_id}`,
    profileId: session.profile_id,
    certificateId: session.certificate_id,
    sessionId: session.id,
    details: { address: session.client_address },
  };
}

/**
 * confirmOpenedSession as one statement, for PostgreSQL (SQLite has no data-modifying WITH): the UPDATE that
 * confirms and the INSERT of its audit row commit together or not at all, in one round trip instead of four
 * (BEGIN, UPDATE, INSERT, COMMIT). Of racing confirmations the UPDATE of at most one finds the nonce (the others
 * wait for its row lock and then match nothing), and an UPDATE that matched nothing inserts no audit row.
 */
const CONFIRM_WITH_AUDIT_SQL = `with confirmed as (
  update sessions set confirmed = 1, nonce = null, last_seen_at = $1::bigint
  where id = $2::bigint and nonce is not null and confirmed = 0
  returning id
)
insert into audit_events (at, type, actor, profile_id, certificate_id, session_id, chat_id, details)
select $1::bigint, $3::text, $4::text, $5::bigint, $6::bigint, confirmed.id, null, $7::text from confirmed`;

export async function confirmOpenedSessionInOneStatement(
  db: Executor,
  confirmation: SessionConfirmation,
): Promise<boolean> {
  const { session, now } = confirmation;
  const event = loginEvent(session);
  const parameters = [
    now,
    session.id,
    event.type,
    event.actor,
    event.profileId,
    event.certificateId,
    JSON.stringify(event.details),
  ];
  const result = await db.executeQuery(CompiledQuery.raw(CONFIRM_WITH_AUDIT_SQL, parameters));
  return result.numAffectedRows === 1n;
}
