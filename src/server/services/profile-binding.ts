import { insertClaim } from "../storage/repositories/certificate-claims.ts";
import {
  type CertificateRow,
  findLoginCertificate,
  findOrInsertCertificate,
  type LoginCertificate,
  type NewCertificate,
  storeCertificate,
} from "../storage/repositories/certificates.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import {
  deleteProfile,
  describeProfile,
  findProfileByKey,
  insertProfileIfNew,
  type ProfileDescription,
  type ProfileFields,
} from "../storage/repositories/profiles.ts";

/** The profile key of the placeholder a certificate waiting to join another profile belongs to. */
export function placeholderKey(fingerprint: string): string {
  return `pending:${fingerprint}`;
}

/** Every field of a description: one added to it must be added here, or this does not compile. */
const DESCRIBED: Record<keyof ProfileDescription, true> = {
  type: true,
  name: true,
  company: true,
  title: true,
  inn: true,
  ogrn: true,
  snils: true,
};
const DESCRIPTION_FIELDS = Object.keys(DESCRIBED) as (keyof ProfileDescription)[];

/** Field by field, an absent field and null alike (describeProfile stores an absent one as null). */
function sameDescription(stored: ProfileDescription, described: ProfileDescription): boolean {
  return DESCRIPTION_FIELDS.every((field) => (stored[field] ?? null) === (described[field] ?? null));
}

/**
 * Whether binding a known certificate writes nothing: almost every login says what the profile already says
 * (on PostgreSQL an UPDATE of nothing would still write a new row version), and a certificate waiting on a
 * claim leaves its placeholder's description alone.
 */
export function boundAsIs(known: LoginCertificate, fields: ProfileFields): boolean {
  const { profile_key: _key, ...description } = fields;
  return known.claimed || sameDescription(known.profile, description);
}

/**
 * The stored certificate a login acts with (and whether this login attached it to a profile), and through it the profile (docs/DECISIONS.md §4), in the caller's
 * transaction:
 * - a known certificate keeps its profile; an attached one refreshes the profile's description;
 * - a new certificate whose profile key is new creates that profile and belongs to it;
 * - a new certificate whose profile exists does not join it: it gets a placeholder profile of its own (no
 *   phone, so it can see and do nothing) and a claim on the existing profile, which the SMS code sent to that
 *   profile's phone turns into membership (PhoneService.confirm). Nothing of the existing profile changes.
 */
export async function bindLoginCertificate(
  db: Executor,
  certificate: Omit<NewCertificate, "profile_id">,
  fields: ProfileFields,
  now: number,
): Promise<{ row: CertificateRow; attached: boolean }> {
  const known = await findLoginCertificate(db, certificate.fingerprint);
  if (known) {
    if (!boundAsIs(known, fields)) {
      const { profile_key: _key, ...description } = fields;
      await describeProfile(db, known.row.profile_id, description);
    }
    return { row: known.row, attached: false };
  }
  const created = await insertProfileIfNew(db, fields, now);
  if (created) {
    const { row, inserted } = await storeCertificate(db, { ...certificate, profile_id: created.id }, now);
    return { row, attached: inserted };
  }

  const claimed = await findProfileByKey(db, fields.profile_key);
  if (!claimed) throw new Error(`profile ${fields.profile_key} vanished`);
  const key = placeholderKey(certificate.fingerprint);
  const newPlaceholder = await insertProfileIfNew(db, { ...fields, profile_key: key }, now);
  const placeholder = newPlaceholder ?? (await findProfileByKey(db, key));
  if (!placeholder) throw new Error(`placeholder ${key} vanished`);
  const row = await findOrInsertCertificate(db, { ...certificate, profile_id: placeholder.id }, now);
  if (row.profile_id !== placeholder.id) {
    // A concurrent login stored this certificate first (with the profile it created): ours is not needed.
    if (newPlaceholder) await deleteProfile(db, newPlaceholder.id);
    return { row, attached: false };
  }
  await insertClaim(db, { certificate_id: row.id, profile_id: claimed.id, created_at: now });
  return { row, attached: false };
}
