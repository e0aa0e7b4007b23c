import type { Generated } from "kysely";

/** Row types of every table. Timestamps are Unix milliseconds; booleans are 0/1 (SQLite has no boolean). */
export interface UsersTable {
  id: Generated<number>;
  phone: string;
  created_at: number;
}

export interface ProfilesTable {
  id: Generated<number>;
  /** Identity of the profile (DESIGN §4): "ru:<snils>:<ogrn|ogrnip|->" or "dn:<issuer DN>|<subject DN>". */
  profile_key: string;
  user_id: number | null;
  type: number;
  name: string;
  company: string | null;
  title: string | null;
  inn: string | null;
  ogrn: string | null;
  snils: string | null;
  photo: string | null;
  created_at: number;
}

export interface CertificatesTable {
  id: Generated<number>;
  profile_id: number;
  fingerprint: string;
  der: Uint8Array;
  subject_dn: string;
  issuer_dn: string;
  serial: string;
  not_before: number;
  not_after: number;
  key_algorithm: string;
  created_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  token: string;
  certificate_id: number;
  profile_id: number;
  /** The pending login challenge; null once used (single-use). */
  nonce: Uint8Array | null;
  nonce_expires_at: number;
  confirmed: number;
  created_at: number;
  last_seen_at: number;
  client_address: string;
}

export interface PhoneCodesTable {
  id: Generated<number>;
  profile_id: number;
  phone: string;
  code: string;
  attempts: number;
  expires_at: number;
  confirmed_at: number | null;
  client_address: string;
  created_at: number;
}

export interface BillingEntriesTable {
  id: Generated<number>;
  profile_id: number;
  /** Kopecks: money is counted in whole minor units, never in floating point. */
  amount_minor: number;
  reason: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  profiles: ProfilesTable;
  certificates: CertificatesTable;
  sessions: SessionsTable;
  phone_codes: PhoneCodesTable;
  billing_entries: BillingEntriesTable;
}
