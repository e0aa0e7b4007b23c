import { randomUUID } from "node:crypto";
import type { ParsedCertificate } from "../../../../src/pki/certificate.ts";
import type { Storage } from "../../../../src/server/storage/database.ts";
import {
  findOrInsertCertificate,
  storeCertificate,
} from "../../../../src/server/storage/repositories/certificates.ts";
import { advanceEpoch, type NewEpoch } from "../../../../src/server/storage/repositories/chat-key-epochs.ts";
import {
  insertChat,
  insertChatMembers,
  MemberRole,
} from "../../../../src/server/storage/repositories/chats.ts";
import type { Executor } from "../../../../src/server/storage/repositories/executor.ts";
import type { NewMessage } from "../../../../src/server/storage/repositories/messages.ts";
import {
  linkProfileToUser,
  type ProfileFields,
  upsertProfile,
} from "../../../../src/server/storage/repositories/profiles.ts";
import { insertSession } from "../../../../src/server/storage/repositories/sessions.ts";
import { findOrCreateUser } from "../../../../src/server/storage/repositories/users.ts";

/** Shared rows for the repository contract tests. */
export const now = 1_790_000_000_000;

/** The fixture certificates are valid for a year from `now`. */
export const YEAR_MS = 365 * 86_400_000;

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
    not_after: now + YEAR_MS,
    key_algorithm: "ecdsa-p256",
    key_agreement: null,
  };
}

/** A registered profile with one certificate and one session. */
export interface Member {
  profileId: number;
  certificateId: number;
  sessionId: number;
}

/** Creates a profile with one certificate and one session, registered to `phone` unless it is null. */
export async function member(storage: Storage, key: string, phone: string | null): Promise<Member> {
  const db = storage.db;
  const profile = await upsertProfile(
    db,
    {
      profile_key: key,
      type: 1,
      name: `Name ${key}`,
      company: null,
      title: null,
      inn: null,
      ogrn: null,
      snils: null,
    },
    now,
  );
  if (phone !== null) await linkProfileToUser(db, profile.id, (await findOrCreateUser(db, phone, now)).id);
  const certificate = await findOrInsertCertificate(db, certificateFields(profile.id, `fp-${key}`), now);
  await insertSession(db, {
    token: `token-${key}`,
    certificate_id: certificate.id,
    profile_id: profile.id,
    nonce: null,
    nonce_expires_at: now,
    created_at: now,
    last_seen_at: now,
    client_address: "127.0.0.1",
  });
  const session = await db
    .selectFrom("sessions")
    .select("id")
    .where("token", "=", `token-${key}`)
    .executeTakeFirstOrThrow();
  return { profileId: profile.id, certificateId: certificate.id, sessionId: session.id };
}

/** A chat owned by `owner` with `others` as members; type 1 (group) unless told. */
export async function chatOf(
  storage: Storage,
  owner: Member,
  others: Member[],
  type = 1,
  pairKey: string | null = null,
) {
  const id = randomUUID();
  await insertChat(storage.db, {
    id,
    type,
    name: type === 0 ? null : "Group",
    owner_profile_id: owner.profileId,
    pair_key: pairKey,
    created_at: now,
  });
  await insertChatMembers(
    storage.db,
    [owner, ...others].map((m) => ({
      chat_id: id,
      profile_id: m.profileId,
      role: m === owner ? MemberRole.owner : MemberRole.member,
      joined_at: now,
    })),
  );
  return id;
}

/** Rotates `chatId` to epoch `keyId` (from `keyId - 1`) as `by`, with no messages before it unless told. */
export function rotateEpoch(
  db: Executor,
  chatId: string,
  by: Member,
  keyId: number,
  extra: Partial<Omit<NewEpoch, "chatId" | "keyId" | "by">> = {},
): Promise<void> {
  return advanceEpoch(db, {
    chatId,
    keyId,
    afterMessageId: 0,
    by: by.profileId,
    reason: "rotate",
    now,
    ...extra,
  });
}

/** A message row of `sender` in a chat. */
export function message(chatId: string, sender: Member, extra: Partial<NewMessage> = {}): NewMessage {
  return {
    chat_id: chatId,
    profile_id: sender.profileId,
    certificate_id: sender.certificateId,
    session_id: sender.sessionId,
    local_id: null,
    data: "AAAA",
    sign: null,
    cms: null,
    type: "txt",
    file_id: null,
    file_size: null,
    created_at: now,
    key_id: 1,
    ...extra,
  };
}

/** A real certificate stored as a login stores it, for a new unregistered profile; returns its row id. */
export async function storedCertificate(
  storage: Storage,
  key: string,
  certificate: ParsedCertificate,
): Promise<number> {
  const { profileId } = await member(storage, key, null);
  const { row } = await storeCertificate(
    storage.db,
    {
      profile_id: profileId,
      fingerprint: certificate.fingerprint,
      der: certificate.der,
      subject_dn: certificate.subjectDn,
      issuer_dn: certificate.issuerDn,
      serial: certificate.serialNumber,
      not_before: certificate.notBefore.getTime(),
      not_after: certificate.notAfter.getTime(),
      key_algorithm: certificate.keyAlgorithm,
      key_agreement: null,
    },
    Date.now(),
  );
  return row.id;
}
