import type { Insertable, Selectable } from "kysely";
import type { SessionsTable } from "../schema.ts";
import { compiledOnce, compiledStatement } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";
import type { Profile } from "./profiles.ts";

export type Session = Selectable<SessionsTable>;

const insertSessionStatement = compiledStatement(
  (
    db: Executor,
    token: string,
    certificate_id: number,
    profile_id: number,
    nonce: Uint8Array | null,
    nonce_expires_at: number,
    created_at: number,
    last_seen_at: number,
    client_address: string,
  ) =>
    db.insertInto("sessions").values({
      token,
      certificate_id,
      profile_id,
      nonce,
      nonce_expires_at,
      created_at,
      last_seen_at,
      client_address,
      confirmed: 0,
    }),
  8,
);

/** An unconfirmed session (every /api/auth/ stores one; compiled once). */
export async function insertSession(
  db: Executor,
  session: Omit<Insertable<SessionsTable>, "id" | "confirmed">,
): Promise<void> {
  const s = session;
  await insertSessionStatement(
    db,
    s.token,
    s.certificate_id,
    s.profile_id,
    s.nonce ?? null,
    s.nonce_expires_at,
    s.created_at,
    s.last_seen_at,
    s.client_address,
  );
}

/** No token holds a NUL (they are UUIDs); PostgreSQL would refuse the query rather than find nothing. */
function cannotBeAToken(token: string): boolean {
  return token.includes("\u0000");
}

export async function findSessionByToken(db: Executor, token: string): Promise<Session | undefined> {
  if (cannotBeAToken(token)) return undefined;
  return db.selectFrom("sessions").selectAll().where("token", "=", token).executeTakeFirst();
}

/** Profile columns beside a session's, prefixed so they cannot clash with the session's own. */
const profileColumns = [
  "profiles.id as p_id",
  "profiles.profile_key as p_profile_key",
  "profiles.user_id as p_user_id",
  "profiles.type as p_type",
  "profiles.name as p_name",
  "profiles.company as p_company",
  "profiles.title as p_title",
  "profiles.inn as p_inn",
  "profiles.ogrn as p_ogrn",
  "profiles.snils as p_snils",
  "profiles.photo as p_photo",
  "profiles.created_at as p_created_at",
] as const;

/** What of the session's certificate bounds the session: its notAfter and whether it was revoked. */
const certificateColumns = [
  "certificates.not_after as c_not_after",
  "certificates.revoked_at as c_revoked_at",
] as const;

function sessionsWithProfiles(db: Executor) {
  return db
    .selectFrom("sessions")
    .leftJoin("profiles", "profiles.id", "sessions.profile_id")
    .leftJoin("certificates", "certificates.id", "sessions.certificate_id")
    .selectAll("sessions")
    .select(profileColumns)
    .select(certificateColumns);
}

const sessionWithProfileByToken = compiledOnce(
  (db: Executor, token: string) => sessionsWithProfiles(db).where("sessions.token", "=", token),
  1,
);

/** The facts of a session's certificate that end the session: notAfter, revocation (Unix ms). */
export interface SessionCertificate {
  notAfter: number;
  revokedAt: number | null;
}

export interface SessionWithProfile {
  session: Session;
  profile: Profile | undefined;
  certificate: SessionCertificate | undefined;
}

type JoinedRow = Awaited<ReturnType<typeof sessionWithProfileByToken>>[number];

function splitRow(row: JoinedRow): SessionWithProfile {
  const {
    p_id,
    p_profile_key,
    p_user_id,
    p_type,
    p_name,
    p_company,
    p_title,
    p_inn,
    p_ogrn,
    p_snils,
    p_photo,
    p_created_at,
    c_not_after,
    c_revoked_at,
    ...session
  } = row;
  const profile =
    p_id === null || p_profile_key === null || p_type === null || p_name === null || p_created_at === null
      ? undefined
      : {
          id: p_id,
          profile_key: p_profile_key,
          user_id: p_user_id,
          type: p_type,
          name: p_name,
          company: p_company,
          title: p_title,
          inn: p_inn,
          ogrn: p_ogrn,
          snils: p_snils,
          photo: p_photo,
          created_at: p_created_at,
        };
  const certificate = c_not_after === null ? undefined : { notAfter: c_not_after, revokedAt: c_revoked_at };
  return { session, profile, certificate };
}

/** The session of a token with its profile, in one query (every authenticated request starts with it). */
export async function findSessionWithProfile(
  db: Executor,
  token: string,
): Promise<SessionWithProfile | undefined> {
  if (cannotBeAToken(token)) return undefined;
  const [row] = await sessionWithProfileByToken(db, token);
  return row && splitRow(row);
}

const pendingLoginByToken = compiledOnce(
  (db: Executor, token: string) =>
    db
      .selectFrom("sessions")
      .leftJoin("certificates", "certificates.id", "sessions.certificate_id")
      .leftJoin("profiles", "profiles.id", "sessions.profile_id")
      .selectAll("sessions")
      .select([
        "certificates.der as c_der",
        "certificates.not_after as c_not_after",
        "certificates.revoked_at as c_revoked_at",
        "profiles.user_id as p_user_id",
      ])
      .where("sessions.token", "=", token),
  1,
);

/**
 * What /api/confirmAuth/ reads of a token: the session, its certificate's DER, end and revocation, its
 * profile's user.
 */
export interface PendingLogin {
  session: Session;
  /** Undefined if the certificate row is gone. */
  certificateDer: Uint8Array | undefined;
  /** Undefined if the certificate row is gone. */
  certificate: SessionCertificate | undefined;
  /** Null when the profile has no user yet (no phone registered), or is gone. */
  userId: number | null;
}

/** The session of a token with what confirming it needs, in one query. */
export async function findPendingLogin(db: Executor, token: string): Promise<PendingLogin | undefined> {
  if (cannotBeAToken(token)) return undefined;
  const [row] = await pendingLoginByToken(db, token);
  if (!row) return undefined;
  const { c_der, c_not_after, c_revoked_at, p_user_id, ...session } = row;
  const certificate = c_not_after === null ? undefined : { notAfter: c_not_after, revokedAt: c_revoked_at };
  return { session, certificateDer: c_der ?? undefined, certificate, userId: p_user_id };
}

/** Tokens per query of the batch lookups: well inside every backend's limit on bound parameters. */
const TOKENS_PER_QUERY = 500;

/** The sessions (with profiles) of many tokens, a query per 500 tokens; unknown tokens are absent. */
export async function findSessionsWithProfiles(
  db: Executor,
  tokens: readonly string[],
): Promise<Map<string, SessionWithProfile>> {
  const found = new Map<string, SessionWithProfile>();
  const possible = tokens.filter((token) => !cannotBeAToken(token));
  for (let at = 0; at < possible.length; at += TOKENS_PER_QUERY) {
    const chunk = possible.slice(at, at + TOKENS_PER_QUERY);
    const rows = await sessionsWithProfiles(db).where("sessions.token", "in", chunk).execute();
    for (const row of rows) found.set(row.token, splitRow(row));
  }
  return found;
}

/**
 * Confirms a session whose nonce is still pending, clearing the nonce in the same statement: of racing
 * confirmations at most one succeeds. False if the nonce was already used.
 */
export async function confirmSession(db: Executor, id: number, now: number): Promise<boolean> {
  const result = await confirmSessionStatement(db, id, now);
  return result.numAffectedRows === 1n;
}

const confirmSessionStatement = compiledStatement(
  (db: Executor, id: number, now: number) =>
    db
      .updateTable("sessions")
      .set({ confirmed: 1, nonce: null, last_seen_at: now })
      .where("id", "=", id)
      .where("nonce", "is not", null)
      .where("confirmed", "=", 0),
  2,
);

/** Clears a pending nonce after a failed confirmation, so the nonce answers one attempt only. */
export async function dropNonce(db: Executor, id: number): Promise<void> {
  await db
    .updateTable("sessions")
    .set({ nonce: null })
    .where("id", "=", id)
    .where("confirmed", "=", 0)
    .execute();
}

export async function touchSession(db: Executor, id: number, now: number): Promise<void> {
  await touchSessions(db, [id], now);
}

/** Moves last_seen_at of these sessions to `now`, a statement per 500 sessions. */
export async function touchSessions(db: Executor, ids: readonly number[], now: number): Promise<void> {
  for (let at = 0; at < ids.length; at += TOKENS_PER_QUERY) {
    const chunk = ids.slice(at, at + TOKENS_PER_QUERY);
    await db.updateTable("sessions").set({ last_seen_at: now }).where("id", "in", chunk).execute();
  }
}

/** When sessions end (see SessionService); ended sessions are kept `retentionMs` so their answer names why. */
export interface SessionEndPolicy {
  now: number;
  idleMs: number;
  maxAgeMs: number;
  retentionMs: number;
}

/** Sessions deleted per statement, so a large backlog never holds a long lock. */
const DELETE_BATCH = 1000;

/**
 * Deletes the sessions that ended over `retentionMs` ago (idle, too old, certificate expired or revoked) and
 * the unconfirmed ones whose nonce expired; returns how many. A session that sent messages stays: the
 * messages reference it (their localId retries are per session), and its token answers as before.
 */
export async function deleteEndedSessions(db: Executor, policy: SessionEndPolicy): Promise<number> {
  const before = policy.now - policy.retentionMs;
  let deleted = 0;
  for (;;) {
    const ended = await db
      .selectFrom("sessions")
      .select("sessions.id")
      .where((eb) =>
        eb.and([
          eb.or([
            eb.and([eb("sessions.confirmed", "=", 0), eb("sessions.nonce_expires_at", "<", policy.now)]),
            eb("sessions.last_seen_at", "<", before - policy.idleMs),
            eb("sessions.created_at", "<", before - policy.maxAgeMs),
            eb(
              "sessions.certificate_id",
              "in",
              eb
                .selectFrom("certificates")
                .select("certificates.id")
                .where((cb) => cb.or([cb("not_after", "<", before), cb("revoked_at", "<", before)])),
            ),
          ]),
          eb.not(
            eb.exists(
              eb
                .selectFrom("messages")
                .select("messages.id")
                .whereRef("messages.session_id", "=", "sessions.id"),
            ),
          ),
        ]),
      )
      .limit(DELETE_BATCH)
      .execute();
    if (ended.length === 0) return deleted;
    const ids = ended.map((row) => row.id);
    const result = await db.deleteFrom("sessions").where("id", "in", ids).executeTakeFirst();
    deleted += Number(result.numDeletedRows);
    if (ended.length < DELETE_BATCH) return deleted;
  }
}
