import type { Executor } from "./executor.ts";

/** A key row its recipient refused: which epoch, for which certificate, made by which wrapper. */
export interface Refusal {
  chat_id: string;
  key_id: number;
  certificate_id: number;
  wrapped_by_certificate_id: number;
}

/**
 * Deletes the certificate's key rows of the given epochs and records each row's wrapper as refused for that
 * epoch and certificate. Returns the rows deleted (epochs without a row are left out).
 */
export async function refuseKeyRows(
  trx: Executor,
  chatId: string,
  certificateId: number,
  keyIds: readonly number[],
  now: number,
): Promise<Refusal[]> {
  if (keyIds.length === 0) return [];
  const deleted = await trx
    .deleteFrom("chat_keys")
    .where("chat_id", "=", chatId)
    .where("certificate_id", "=", certificateId)
    .where("key_id", "in", keyIds)
    .returning(["chat_id", "key_id", "certificate_id", "wrapped_by_certificate_id"])
    .execute();
  if (deleted.length === 0) return [];
  await trx
    .insertInto("chat_key_refusals")
    .values(deleted.map((row) => ({ ...row, refused_at: now })))
    .onConflict((conflict) =>
      conflict.columns(["chat_id", "key_id", "certificate_id", "wrapped_by_certificate_id"]).doNothing(),
    )
    .execute();
  return deleted;
}

/** A refusal with the profile of its wrapping certificate (refusals bind the member, not one certificate). */
export interface RefusalOfMember extends Refusal {
  wrapped_by_profile_id: number;
}

/** The refusals of the given chats' certificates. */
export function listRefusals(db: Executor, chatIds: readonly string[]): Promise<RefusalOfMember[]> {
  if (chatIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("chat_key_refusals as r")
    .innerJoin("certificates as wrapper", "wrapper.id", "r.wrapped_by_certificate_id")
    .select([
      "r.chat_id",
      "r.key_id",
      "r.certificate_id",
      "r.wrapped_by_certificate_id",
      "wrapper.profile_id as wrapped_by_profile_id",
    ])
    .where("r.chat_id", "in", chatIds)
    .orderBy("r.chat_id")
    .orderBy("r.certificate_id")
    .orderBy("r.key_id")
    .orderBy("r.wrapped_by_certificate_id")
    .execute();
}
