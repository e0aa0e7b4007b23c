import type { Insertable } from "kysely";
import type { ChatKeysTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type NewChatKey = Insertable<ChatKeysTable>;

/** A wrapped chat key as a contact shows it: with the DER and profile of the certificate that wrapped it. */
export interface ChatKeyForCertificate {
  id: number;
  chat_id: string;
  key_id: number;
  profile_id: number;
  wrapped_key: Uint8Array;
  sign: string | null;
  wrapped_by_certificate_id: number;
  wrapped_by_der: Uint8Array;
  wrapped_by_profile_id: number;
  /** The epoch's key commitment (chat_key_epochs), its signature and signer; all null for an epoch without one. */
  commitment: Uint8Array | null;
  commitment_sign: string | null;
  commitment_certificate_id: number | null;
  commitment_der: Uint8Array | null;
}

/** A key row as stored: which epoch of which chat, for which certificate. */
export interface StoredKeyRow {
  chat_id: string;
  key_id: number;
  certificate_id: number;
  profile_id: number;
}

/** A certificate holding the chat's current key, with what a wrapper must share with it. */
export interface KeyHolder {
  certificate_id: number;
  profile_id: number;
  key_agreement: string | null;
  not_after: number;
  revoked_at: number | null;
}

/** Inserts key rows; a second row for one (chat, certificate, epoch) is a unique violation. */
export async function insertChatKeys(db: Executor, keys: NewChatKey[]): Promise<void> {
  if (keys.length > 0) await db.insertInto("chat_keys").values(keys).execute();
}

/**
 * Inserts the rows whose (chat, certificate, epoch) has no key yet and returns those it stored: members
 * racing to fulfil one wait list is normal, the later rows are skipped.
 */
export async function insertChatKeysIfAbsent(db: Executor, keys: NewChatKey[]): Promise<StoredKeyRow[]> {
  if (keys.length === 0) return [];
  return db
    .insertInto("chat_keys")
    .values(keys)
    .onConflict((conflict) => conflict.columns(["chat_id", "certificate_id", "key_id"]).doNothing())
    .returning(["chat_id", "key_id", "certificate_id", "profile_id"])
    .execute();
}

/** Key rows with their wrapper's certificate and their epoch's commitment (served with every row). */
function keysWithWrapper(db: Executor) {
  return db
    .selectFrom("chat_keys")
    .innerJoin("certificates as wrapper", "wrapper.id", "chat_keys.wrapped_by_certificate_id")
    .leftJoin("chat_key_epochs as epoch", (join) =>
      join.onRef("epoch.chat_id", "=", "chat_keys.chat_id").onRef("epoch.key_id", "=", "chat_keys.key_id"),
    )
    .leftJoin("certificates as committer", "committer.id", "epoch.commitment_certificate_id")
    .select([
      "chat_keys.id",
      "chat_keys.chat_id",
      "chat_keys.key_id",
      "chat_keys.profile_id",
      "chat_keys.wrapped_key",
      "chat_keys.sign",
      "chat_keys.wrapped_by_certificate_id",
      "wrapper.der as wrapped_by_der",
      "wrapper.profile_id as wrapped_by_profile_id",
      "epoch.commitment",
      "epoch.commitment_sign",
      "epoch.commitment_certificate_id",
      "committer.der as commitment_der",
    ]);
}

/**
 * The current epoch's key of one certificate in each of the given chats (at most one per chat): the chat
 * list's `key`, for a chat that never rotated exactly the row createChat stored.
 */
export function listKeysForCertificate(
  db: Executor,
  chatIds: string[],
  certificateId: number,
): Promise<ChatKeyForCertificate[]> {
  if (chatIds.length === 0) return Promise.resolve([]);
  return keysWithWrapper(db)
    .innerJoin("chats", (join) =>
      join.onRef("chats.id", "=", "chat_keys.chat_id").onRef("chats.key_id", "=", "chat_keys.key_id"),
    )
    .where("chat_keys.chat_id", "in", chatIds)
    .where("chat_keys.certificate_id", "=", certificateId)
    .execute();
}

/** One certificate's keys in a chat, every epoch or those asked for, oldest epoch first. */
export function listEpochKeysForCertificate(
  db: Executor,
  chatId: string,
  certificateId: number,
  keyIds?: readonly number[],
): Promise<ChatKeyForCertificate[]> {
  if (keyIds?.length === 0) return Promise.resolve([]);
  let query = keysWithWrapper(db)
    .where("chat_keys.chat_id", "=", chatId)
    .where("chat_keys.certificate_id", "=", certificateId);
  if (keyIds) query = query.where("chat_keys.key_id", "in", keyIds);
  return query.orderBy("chat_keys.key_id").execute();
}

/** The certificates holding the chat's current key (expired and revoked ones included: callers filter). */
export function listCurrentKeyHolders(db: Executor, chatId: string): Promise<KeyHolder[]> {
  return db
    .selectFrom("chat_keys")
    .innerJoin("chats", (join) =>
      join.onRef("chats.id", "=", "chat_keys.chat_id").onRef("chats.key_id", "=", "chat_keys.key_id"),
    )
    .innerJoin("certificates", "certificates.id", "chat_keys.certificate_id")
    .select([
      "chat_keys.certificate_id",
      "chat_keys.profile_id",
      "certificates.key_agreement",
      "certificates.not_after",
      "certificates.revoked_at",
    ])
    .where("chat_keys.chat_id", "=", chatId)
    .orderBy("chat_keys.certificate_id")
    .execute();
}

/** Every key row of a profile in a chat, all epochs (the member was removed or left). */
export async function deleteKeysOfProfile(trx: Executor, chatId: string, profileId: number): Promise<void> {
  await trx
    .deleteFrom("chat_keys")
    .where("chat_id", "=", chatId)
    .where("profile_id", "=", profileId)
    .execute();
}
