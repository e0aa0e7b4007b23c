import { recordAuditEvent } from "../../storage/repositories/audit.ts";
import type { NewCertificate } from "../../storage/repositories/certificates.ts";
import type { Executor } from "../../storage/repositories/executor.ts";
import type { ProfileFields } from "../../storage/repositories/profiles.ts";
import { confirmSession, insertSession, type Session } from "../../storage/repositories/sessions.ts";
import { bindLoginCertificate } from "../profile-binding.ts";

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
  await insertSession(trx, {
    token: opening.token,
    certificate_id: row.id,
    profile_id: row.profile_id,
    nonce: opening.nonce,
    nonce_expires_at: opening.nonceExpiresAt,
    created_at: now,
    last_seen_at: now,
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
  const event = {
    profileId: session.profile_id,
    certificateId: session.certificate_id,
    sessionId: session.id,
    details: { address: session.client_address },
  };
  await recordAuditEvent(trx, { type: "login", actor: `profile:${session.profile_id}`, ...event }, now);
  return true;
}
