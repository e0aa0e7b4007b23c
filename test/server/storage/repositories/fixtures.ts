import type { ProfileFields } from "../../../../src/server/storage/repositories/profiles.ts";

/** Shared rows for the repository contract tests. */
export const now = 1_790_000_000_000;

export function profileFields(key: string, name = "Иванов Иван Иванович"): ProfileFields {
  return { profile_key: key, type: 1, name, company: null, title: null, inn: null, ogrn: null, snils: null };
}

export function certificateFields(profileId: number, fingerprint: string) {
  return {
    profile_id: profileId,
    fingerprint,
    der: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]),
    subject_dn: "CN=Test",
    issuer_dn: "CN=CA",
    serial: "01",
    not_before: now - 1000,
    not_after: now + 1000,
    key_algorithm: "ecdsa-p256",
  };
}
