import { type Insertable, sql } from "kysely";
import type { ChatKeyWaitsTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type NewWait = Insertable<ChatKeyWaitsTable>;

/** A waiting certificate as a wait list shows it. */
export interface WaitRow {
  chat_id: string;
  certificate_id: number;
  profile_id: number;
  since: number;
  der: Uint8Array;
  key_agreement: string | null;
  /** The chat's current epoch. */
  key_id: number;
  /** The oldest epoch the member may read. */
  first_key_id: number;
  /** The epochs from first_key_id to the current one this certificate has no key for (current included). */
  missing_key_ids: number[];
}

/** Puts certificates on wait lists; one already waiting keeps its row. Returns the rows added. */
export async function insertWaits(
  db: Executor,
  waits: NewWait[],
): Promise<{ chat_id: string; certificate_id: number }[]> {
  if (waits.length === 0) return [];
  return db
    .insertInto("chat_key_waits")
    .values(waits)
    .onConflict((conflict) => conflict.columns(["chat_id", "certificate_id"]).doNothing())
    .returning(["chat_id", "certificate_id"])
    .execute();
}

/** Takes certificates off a chat's wait list (their current-epoch key arrived); how many were waiting. */
export async function deleteWaits(
  db: Executor,
  chatId: string,
  certificateIds: readonly number[],
): Promise<number> {
  if (certificateIds.length === 0) return 0;
  const result = await db
    .deleteFrom("chat_key_waits")
    .where("chat_id", "=", chatId)
    .where("certificate_id", "in", certificateIds)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Every wait of a profile in a chat (the member was removed or left); whether there was any. */
export async function deleteWaitsOfProfile(
  db: Executor,
  chatId: string,
  profileId: number,
): Promise<boolean> {
  const result = await db
    .deleteFrom("chat_key_waits")
    .where("chat_id", "=", chatId)
    .where("profile_id", "=", profileId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * A certificate newly attached to a profile waits in every chat of the profile where it has no key for the
 * current epoch. Returns those chats (the attach transaction's caller publishes their wait lists).
 */
export async function insertWaitsForCertificate(
  trx: Executor,
  certificateId: number,
  profileId: number,
  now: number,
): Promise<string[]> {
  const rows = await trx
    .insertInto("chat_key_waits")
    .columns(["chat_id", "certificate_id", "profile_id", "since"])
    .expression((eb) =>
      eb
        .selectFrom("chat_members")
        .innerJoin("chats", "chats.id", "chat_members.chat_id")
        .select([
          "chat_members.chat_id",
          // Typed here: PostgreSQL would take a bare parameter in a select list for text.
          sql<number>`cast(${certificateId} as bigint)`.as("certificate_id"),
          sql<number>`cast(${profileId} as bigint)`.as("profile_id"),
          sql<number>`cast(${now} as bigint)`.as("since"),
        ])
        .where("chat_members.profile_id", "=", profileId)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom("chat_keys")
                .select("chat_keys.id")
                .whereRef("chat_keys.chat_id", "=", "chat_members.chat_id")
                .whereRef("chat_keys.key_id", "=", "chats.key_id")
                .where("chat_keys.certificate_id", "=", certificateId),
            ),
          ),
        ),
    )
    .onConflict((conflict) => conflict.columns(["chat_id", "certificate_id"]).doNothing())
    .returning("chat_id")
    .execute();
  return rows.map((row) => row.chat_id);
}

/**
 * The wait lists of the given chats: certificates of current members, unexpired and not revoked at `now`,
 * with the epochs each lacks. Oldest wait first within a chat.
 */
export async function listWaits(db: Executor, chatIds: readonly string[], now: number): Promise<WaitRow[]> {
  if (chatIds.length === 0) return [];
  const waits = await db
    .selectFrom("chat_key_waits as w")
    .innerJoin("certificates as c", "c.id", "w.certificate_id")
    .innerJoin("chats", "chats.id", "w.chat_id")
    .innerJoin("chat_members as m", (join) =>
      join.onRef("m.chat_id", "=", "w.chat_id").onRef("m.profile_id", "=", "w.profile_id"),
    )
    .select([
      "w.chat_id",
      "w.certificate_id",
      "w.profile_id",
      "w.since",
      "c.der",
      "c.key_agreement",
      "chats.key_id",
      "m.first_key_id",
    ])
    .where("w.chat_id", "in", chatIds)
    .where("c.not_after", ">", now)
    .where("c.revoked_at", "is", null)
    .orderBy("w.chat_id")
    .orderBy("w.since")
    .orderBy("w.certificate_id")
    .execute();
  if (waits.length === 0) return [];
  const held = await db
    .selectFrom("chat_keys")
    .select(["chat_id", "certificate_id", "key_id"])
    .where("chat_id", "in", [...new Set(waits.map((wait) => wait.chat_id))])
    .where("certificate_id", "in", [...new Set(waits.map((wait) => wait.certificate_id))])
    .execute();
  const heldKeys = new Set(held.map((row) => `${row.chat_id}/${row.certificate_id}/${row.key_id}`));
  return waits.map((wait) => {
    const missing: number[] = [];
    for (let keyId = wait.first_key_id; keyId <= wait.key_id; keyId++)
      if (!heldKeys.has(`${wait.chat_id}/${wait.certificate_id}/${keyId}`)) missing.push(keyId);
    return { ...wait, der: new Uint8Array(wait.der), missing_key_ids: missing };
  });
}
