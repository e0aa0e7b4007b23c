import type { Insertable } from "kysely";
import type { ChatKeysTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

/** A wrapped chat key as a contact shows it: with the DER and profile of the certificate that wrapped it. */
export interface ChatKeyForCertificate {
  id: number;
  chat_id: string;
  profile_id: number;
  wrapped_key: Uint8Array;
  wrapped_by_der: Uint8Array;
  wrapped_by_profile_id: number;
}

export async function insertChatKeys(db: Executor, keys: Insertable<ChatKeysTable>[]): Promise<void> {
  if (keys.length > 0) await db.insertInto("chat_keys").values(keys).execute();
}

/** The keys wrapped for one certificate in the given chats (at most one per chat). */
export function listKeysForCertificate(
  db: Executor,
  chatIds: string[],
  certificateId: number,
): Promise<ChatKeyForCertificate[]> {
  if (chatIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("chat_keys")
    .innerJoin("certificates as wrapper", "wrapper.id", "chat_keys.wrapped_by_certificate_id")
    .select([
      "chat_keys.id",
      "chat_keys.chat_id",
      "chat_keys.profile_id",
      "chat_keys.wrapped_key",
      "wrapper.der as wrapped_by_der",
      "wrapper.profile_id as wrapped_by_profile_id",
    ])
    .where("chat_keys.chat_id", "in", chatIds)
    .where("chat_keys.certificate_id", "=", certificateId)
    .execute();
}
