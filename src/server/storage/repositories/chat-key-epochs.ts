import type { Selectable } from "kysely";
import type { ChatKeyEpochsTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type ChatKeyEpoch = Selectable<ChatKeyEpochsTable>;

/**
 * An epoch key commitment (docs/CRYPTO.md "Epoch key commitments"): the 32-byte hash of the epoch's key, its
 * creator's signature over it (base64, as sent) and the certificate that signed it (the creating request's session).
 */
export interface EpochCommitment {
  value: Uint8Array;
  sign: string;
  certificateId: number;
}

/** The epoch row's commitment columns; none (null) when the creating request sent no commitment. */
export function commitmentColumns(commitment: EpochCommitment | undefined) {
  return commitment
    ? {
        commitment: commitment.value,
        commitment_sign: commitment.sign,
        commitment_certificate_id: commitment.certificateId,
      }
    : {};
}

/** Why an epoch began. */
export type EpochReason = "create" | "migrate" | "remove" | "leave" | "rotate";

export interface NewEpoch {
  chatId: string;
  /** The new epoch: the chat's current one plus 1. */
  keyId: number;
  /** The chat's last message id now (messages.lastMessageId, read after lockChat). */
  afterMessageId: number;
  /** The profile whose request rotated the key. */
  by: number;
  reason: EpochReason;
  now: number;
  /** Stored with the epoch row and never changed: only the request that begins an epoch commits to its key. */
  commitment?: EpochCommitment;
}

/**
 * Starts a new epoch: the chat's current key_id, rotation_due cleared (a rotation is what a leave was waiting
 * for) and the epoch's row. Run after lockChat in the transaction that stores the new epoch's keys. Epochs are
 * contiguous (wait lists count on it): a keyId other than the current one plus 1 throws.
 */
export async function advanceEpoch(trx: Executor, epoch: NewEpoch): Promise<void> {
  const advanced = await trx
    .updateTable("chats")
    .set({ key_id: epoch.keyId, rotation_due: 0 })
    .where("id", "=", epoch.chatId)
    .where("key_id", "=", epoch.keyId - 1)
    .executeTakeFirst();
  if (advanced.numUpdatedRows !== 1n)
    throw new Error(
      `chat ${epoch.chatId} is not at epoch ${epoch.keyId - 1}: cannot begin epoch ${epoch.keyId}`,
    );
  await trx
    .insertInto("chat_key_epochs")
    .values({
      chat_id: epoch.chatId,
      key_id: epoch.keyId,
      after_message_id: epoch.afterMessageId,
      created_by_profile_id: epoch.by,
      reason: epoch.reason,
      created_at: epoch.now,
      ...commitmentColumns(epoch.commitment),
    })
    .execute();
}

/** A chat's epochs, oldest first. */
export function listEpochs(db: Executor, chatId: string): Promise<ChatKeyEpoch[]> {
  return db
    .selectFrom("chat_key_epochs")
    .selectAll()
    .where("chat_id", "=", chatId)
    .orderBy("key_id")
    .execute();
}
