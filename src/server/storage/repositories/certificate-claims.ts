import type { Selectable } from "kysely";
import type { CertificateClaimsTable } from "../schema.ts";
import { compiledOnce } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";

export type CertificateClaim = Selectable<CertificateClaimsTable>;

/** Records that `certificateId` waits to join `profileId` (kept if already recorded). */
export async function insertClaim(db: Executor, claim: CertificateClaim): Promise<void> {
  await db
    .insertInto("certificate_claims")
    .values(claim)
    .onConflict((conflict) => conflict.column("certificate_id").doNothing())
    .execute();
}

const claimOf = compiledOnce(
  (db: Executor, certificateId: number) =>
    db.selectFrom("certificate_claims").selectAll().where("certificate_id", "=", certificateId),
  1,
);

/** Asked at every login with a known certificate (compiled once). */
export async function findClaim(db: Executor, certificateId: number): Promise<CertificateClaim | undefined> {
  const [claim] = await claimOf(db, certificateId);
  return claim;
}

export async function deleteClaim(db: Executor, certificateId: number): Promise<void> {
  await db.deleteFrom("certificate_claims").where("certificate_id", "=", certificateId).execute();
}

/**
 * Joins a waiting certificate to the profile it claimed, in the caller's transaction: the certificate, its
 * sessions and whatever its placeholder profile holds (SMS codes, ledger entries) move over, the claimed
 * profile takes the certificate's description (name, company, title…) from the placeholder, and the claim and
 * placeholder are deleted. The placeholder can hold nothing else: without a phone it can do nothing else.
 */
export async function attachClaimedCertificate(db: Executor, claim: CertificateClaim): Promise<void> {
  const certificate = await db
    .selectFrom("certificates")
    .select("profile_id")
    .where("id", "=", claim.certificate_id)
    .executeTakeFirstOrThrow();
  const placeholderId = certificate.profile_id;
  const placeholder = await db
    .selectFrom("profiles")
    .select(["type", "name", "company", "title", "inn", "ogrn", "snils"])
    .where("id", "=", placeholderId)
    .executeTakeFirstOrThrow();
  const to = claim.profile_id;
  await db
    .updateTable("certificates")
    .set({ profile_id: to })
    .where("id", "=", claim.certificate_id)
    .execute();
  await db
    .updateTable("sessions")
    .set({ profile_id: to })
    .where("certificate_id", "=", claim.certificate_id)
    .execute();
  await db
    .updateTable("phone_codes")
    .set({ profile_id: to })
    .where("profile_id", "=", placeholderId)
    .execute();
  await db
    .updateTable("billing_entries")
    .set({ profile_id: to })
    .where("profile_id", "=", placeholderId)
    .execute();
  await deleteClaim(db, claim.certificate_id);
  await db.deleteFrom("profiles").where("id", "=", placeholderId).execute();
  await db.updateTable("profiles").set(placeholder).where("id", "=", to).execute();
}
