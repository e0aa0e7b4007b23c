import type { Generated } from "kysely";

/** Row types of every table. Timestamps are Unix milliseconds; booleans are 0/1 (SQLite has no boolean). */
export interface UsersTable {
  id: Generated<number>;
  phone: string;
  created_at: number;
}

export interface ProfilesTable {
  id: Generated<number>;
  /** Identity of the profile (docs/DECISIONS.md §4): "ru:<snils>:<ogrn|ogrnip|->" or "dn:<issuer DN>|<subject DN>". */
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
  /** When a reloaded CRL was found to list it; its sessions end then (null: not revoked). */
  revoked_at: number | null;
  /** "<key_algorithm>:<GOST curve domain>" (src/pki/key-agreement.ts); null for keys anyone can wrap for. */
  key_agreement: string | null;
}

/** A certificate new to an existing profile, waiting for the SMS code sent to that profile's phone. */
export interface CertificateClaimsTable {
  certificate_id: number;
  /** The profile the certificate will join; meanwhile the certificate belongs to a placeholder profile. */
  profile_id: number;
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
  /** The requesting client address's limit key (an IPv6 address as its prefix: services/limit-key.ts). */
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

export interface ChatsTable {
  /** UUID v4. */
  id: string;
  /** 0 personal, 1 group, 2 channel. */
  type: number;
  name: string | null;
  owner_profile_id: number;
  /** "<smaller pid>:<larger pid>" for a personal chat, null otherwise (unique: one chat per pair). */
  pair_key: string | null;
  created_at: number;
  /** The current key epoch. */
  key_id: Generated<number>;
  /** Bumped by every change of members, roles, epochs or key holders (lockChat). */
  version: Generated<number>;
  /** 1 after a member left, until the next rotation. */
  rotation_due: Generated<number>;
}

export interface ChatMembersTable {
  chat_id: string;
  profile_id: number;
  /** 0 member, 1 admin, 2 owner; in a channel only admins and the owner post. */
  role: number;
  joined_at: number;
  /** History visible to the member: messages with a larger id (0: all). */
  visible_after_message_id: Generated<number>;
  /** The oldest epoch whose key the member may hold. */
  first_key_id: Generated<number>;
  /** Who added the member (null: the creator, members of createChat, migrated rows). */
  added_by_profile_id: number | null;
}

/** One key epoch of a chat: its messages are those after `after_message_id` up to the next epoch's. */
export interface ChatKeyEpochsTable {
  chat_id: string;
  key_id: number;
  /** The chat's last message id when the epoch began (0 for epoch 1). */
  after_message_id: number;
  /** Null for epochs the migration created. */
  created_by_profile_id: number | null;
  /** "create", "migrate", "remove", "leave" or "rotate". */
  reason: string;
  created_at: number;
  /** The epoch key commitment (32 bytes) its creator sent; null for epochs without one (older ones, v1 clients). */
  commitment: Uint8Array | null;
  /** The creator's raw signature over the commitment (base64, as sent); null with no commitment. */
  commitment_sign: string | null;
  /** The certificate that signed it: the creating request's session certificate; null with no commitment. */
  commitment_certificate_id: number | null;
}

/** A member certificate without a key for its chat's current epoch. */
export interface ChatKeyWaitsTable {
  chat_id: string;
  certificate_id: number;
  profile_id: number;
  since: number;
}

/** A wrapper whose key row a recipient refused (migration 0008): it may not serve that epoch and recipient again. */
export interface ChatKeyRefusalsTable {
  chat_id: string;
  key_id: number;
  certificate_id: number;
  wrapped_by_certificate_id: number;
  refused_at: number;
}

/** The chat key wrapped for one certificate of one member (docs/DECISIONS.md §6). */
export interface ChatKeysTable {
  id: Generated<number>;
  chat_id: string;
  /** The epoch whose key this is. */
  key_id: number;
  profile_id: number;
  certificate_id: number;
  /** The session certificate that wrapped it (clients need its public key to unwrap). */
  wrapped_by_certificate_id: number;
  wrapped_key: Uint8Array;
  /** The wrapper's signature over the row (base64 as sent); null for unsigned rows (v1 createChat). */
  sign: string | null;
  created_at: number;
}

export interface MessagesTable {
  /** Unique across chats and increasing: clients store messages by it. */
  id: Generated<number>;
  chat_id: string;
  profile_id: number;
  certificate_id: number;
  session_id: number;
  /** The client's id for retries; unique per (session, chat) while set, released after 24 h. */
  local_id: string | null;
  /** Ciphertext of the text, base64, as the sender sent it. */
  data: string;
  sign: string | null;
  cms: string | null;
  type: string;
  /** The blob of an attached file (UUID), null for text messages. */
  file_id: string | null;
  file_size: number | null;
  created_at: number;
  /** The key epoch the message was encrypted under (checked by the admission trigger). */
  key_id: number;
}

/** One row of the append-only audit log (see repositories/audit.ts for the event types). */
export interface AuditEventsTable {
  id: Generated<number>;
  at: number;
  type: string;
  /** Who did it: "profile:<pid>" (a user), "admin:<os user>" (a CLI command) or "system". */
  actor: string;
  /** The profile the event is about, when there is one. */
  profile_id: number | null;
  certificate_id: number | null;
  session_id: number | null;
  chat_id: string | null;
  /** A JSON object with the rest (client address, counts, amounts…), or null. */
  details: string | null;
}

/** The single row (id 1) counting changes that end sessions (migration 0009). */
export interface SessionEndsTable {
  id: number;
  count: number;
}

export interface Database {
  users: UsersTable;
  profiles: ProfilesTable;
  certificates: CertificatesTable;
  certificate_claims: CertificateClaimsTable;
  sessions: SessionsTable;
  phone_codes: PhoneCodesTable;
  billing_entries: BillingEntriesTable;
  chats: ChatsTable;
  chat_members: ChatMembersTable;
  chat_keys: ChatKeysTable;
  chat_key_epochs: ChatKeyEpochsTable;
  chat_key_waits: ChatKeyWaitsTable;
  chat_key_refusals: ChatKeyRefusalsTable;
  messages: MessagesTable;
  audit_events: AuditEventsTable;
  session_ends: SessionEndsTable;
}
