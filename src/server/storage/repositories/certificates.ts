import type { Insertable, Selectable } from "kysely";
import type { CertificatesTable } from "../schema.ts";
import { compiledOnce } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";
import type { ProfileDescription } from "./profiles.ts";
import { countSessionsEnded } from "./session-ends.ts";

export type CertificateRow = Selectable<CertificatesTable>;
/** key_agreement is required: keyAgreementGroup (src/pki/key-agreement.ts) of the parsed certificate. */
export type NewCertificate = Omit<Insertable<CertificatesTable>, "id" | "created_at" | "key_agreement"> & {
  key_agreement: string | null;
};

export function findCertificateById(db: Executor, id: number): Promise<CertificateRow | undefined> {
  return db.selectFrom("certificates").selectAll().where("id", "=", id).executeTakeFirst();
}

const certificateByFingerprint = compiledOnce(
  (db: Executor, fingerprint: string) =>
    db.selectFrom("certificates").selectAll().where("fingerprint", "=", fingerprint),
  1,
);

const loginCertificateByFingerprint = compiledOnce(
  (db: Executor, fingerprint: string) =>
    db
      .selectFrom("certificates")
      .innerJoin("profiles", "profiles.id", "certificates.profile_id")
      .leftJoin("certificate_claims", "certificate_claims.certificate_id", "certificates.id")
      .selectAll("certificates")
      .select([
        "certificate_claims.certificate_id as claim",
        "profiles.type as profile_type",
        "profiles.name as profile_name",
        "profiles.company as profile_company",
        "profiles.title as profile_title",
        "profiles.inn as profile_inn",
        "profiles.ogrn as profile_ogrn",
        "profiles.snils as profile_snils",
      ])
      .where("certificates.fingerprint", "=", fingerprint),
  1,
);

/** A known certificate as a login finds it: whether it waits on a claim, and what its profile says now. */
export interface LoginCertificate {
  row: CertificateRow;
  claimed: boolean;
  profile: ProfileDescription;
}

/**
 * Every login with a known certificate starts with it: the certificate, its claim and its profile's description
 * in one compiled read.
 */
export async function findLoginCertificate(
  db: Executor,
  fingerprint: string,
): Promise<LoginCertificate | undefined> {
  const [found] = await loginCertificateByFingerprint(db, fingerprint);
  if (!found) return undefined;
  const {
    claim,
    profile_type: type,
    profile_name: name,
    profile_company: company,
    profile_title: title,
    profile_inn: inn,
    profile_ogrn: ogrn,
    profile_snils: snils,
    ...row
  } = found;
  return { row, claimed: claim !== null, profile: { type, name, company, title, inn, ogrn, snils } };
}

/** By fingerprint (compiled once). */
export async function findCertificateByFingerprint(
  db: Executor,
  fingerprint: string,
): Promise<CertificateRow | undefined> {
  const [row] = await certificateByFingerprint(db, fingerprint);
  return row;
}

/** A profile's certificates, oldest first (every /api/profile/ asks). */
export const listCertificatesOfProfile = compiledOnce(
  (db: Executor, profileId: number) =>
    db.selectFrom("certificates").selectAll().where("profile_id", "=", profileId).orderBy("id"),
  1,
);

/** The stored row for this certificate (by fingerprint), inserted if new. */
export async function findOrInsertCertificate(
  db: Executor,
  certificate: NewCertificate,
  now: number,
): Promise<CertificateRow> {
  return (await storeCertificate(db, certificate, now)).row;
}

/** As findOrInsertCertificate, telling whether this call inserted it (of racing calls, exactly one did). */
export async function storeCertificate(
  db: Executor,
  certificate: NewCertificate,
  now: number,
): Promise<{ row: CertificateRow; inserted: boolean }> {
  const inserted = await db
    .insertInto("certificates")
    .values({ ...certificate, created_at: now })
    .onConflict((conflict) => conflict.column("fingerprint").doNothing())
    .returning("id")
    .executeTakeFirst();
  const row = await findCertificateByFingerprint(db, certificate.fingerprint);
  if (!row) throw new Error(`certificate ${certificate.fingerprint} vanished after insert`);
  return { row, inserted: inserted !== undefined };
}

/** The certificates of several profiles in one query (contacts and key checks batch their lookups). */
export function listCertificatesOfProfiles(db: Executor, profileIds: number[]): Promise<CertificateRow[]> {
  if (profileIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("certificates")
    .selectAll()
    .where("profile_id", "in", profileIds)
    .orderBy("id")
    .execute();
}

/**
 * Certificates not yet marked revoked, `limit` at a time after id `afterId`: id, serial (hex) and issuer DN
 * only.
 */
export function listUnrevokedSerials(
  db: Executor,
  afterId: number,
  limit: number,
): Promise<{ id: number; serial: string; issuer_dn: string }[]> {
  return db
    .selectFrom("certificates")
    .select(["id", "serial", "issuer_dn"])
    .where("revoked_at", "is", null)
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
}

/**
 * Marks certificates revoked at `now` (those already marked keep their first date), and counts the ending of
 * their sessions (session-ends.ts) when one was newly marked: run it in a transaction.
 */
export async function markCertificatesRevoked(
  db: Executor,
  ids: readonly number[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return;
  const result = await db
    .updateTable("certificates")
    .set({ revoked_at: now })
    .where("id", "in", ids)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  if (result.numUpdatedRows > 0n) await countSessionsEnded(db);
}
