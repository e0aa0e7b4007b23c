import type { Insertable, Selectable } from "kysely";
import type { MessagesTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type MessageRow = Selectable<MessagesTable>;
/** A message with its sender's full name, as history and acks show it. */
export type StoredMessage = MessageRow & { sender_name: string };
export type NewMessage = Omit<Insertable<MessagesTable>, "id">;

export interface HistoryPage {
  chatId: string;
  /** No anchor: the latest messages. */
  anchor?: { id: number; direction: "prev" | "next" };
  filesOnly: boolean;
  limit: number;
}

export async function insertMessage(db: Executor, message: NewMessage): Promise<number> {
  const row = await db.insertInto("messages").values(message).returning("id").executeTakeFirstOrThrow();
  return Number(row.id);
}

/**
 * Inserts several messages in one statement and returns their ids in the order of `messages`: each row takes
 * the next id as the statement processes it, so the ids sorted ascending match the rows in order, whatever
 * order RETURNING lists them in.
 */
export async function insertMessages(db: Executor, messages: NewMessage[]): Promise<number[]> {
  const rows = await db.insertInto("messages").values(messages).returning("id").execute();
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

function selectWithSender(db: Executor) {
  return db
    .selectFrom("messages")
    .innerJoin("profiles", "profiles.id", "messages.profile_id")
    .selectAll("messages")
    .select("profiles.name as sender_name");
}

export function findMessageById(db: Executor, id: number): Promise<StoredMessage | undefined> {
  return selectWithSender(db).where("messages.id", "=", id).executeTakeFirst();
}

/** The message a session sent to a chat under `localId`, if the id is still held. */
export function findMessageByLocalId(
  db: Executor,
  key: { sessionId: number; chatId: string; localId: string },
): Promise<StoredMessage | undefined> {
  return selectWithSender(db)
    .where("messages.session_id", "=", key.sessionId)
    .where("messages.chat_id", "=", key.chatId)
    .where("messages.local_id", "=", key.localId)
    .executeTakeFirst();
}

/** Lets a stale localId be used again: the old message keeps its row, only the retry key is cleared. */
export async function releaseLocalId(db: Executor, messageId: number): Promise<void> {
  await db.updateTable("messages").set({ local_id: null }).where("id", "=", messageId).execute();
}

/** The message carrying a file, with its chat (undefined for an unknown file id). */
export function findFileMessage(db: Executor, fileId: string): Promise<{ chat_id: string } | undefined> {
  return db.selectFrom("messages").select("chat_id").where("file_id", "=", fileId).executeTakeFirst();
}

/**
 * The query of one history page: a keyset range on the (chat_id, id) index, newest first for the latest and
 * "prev" pages, oldest first for "next". Exposed so tests can EXPLAIN it.
 */
export function historyPageQuery(db: Executor, page: HistoryPage) {
  let query = selectWithSender(db).where("messages.chat_id", "=", page.chatId);
  if (page.filesOnly) query = query.where("messages.file_id", "is not", null);
  if (page.anchor?.direction === "next") {
    return query.where("messages.id", ">", page.anchor.id).orderBy("messages.id", "asc").limit(page.limit);
  }
  if (page.anchor) query = query.where("messages.id", "<", page.anchor.id);
  return query.orderBy("messages.id", "desc").limit(page.limit);
}

/** One history page in ascending id order. */
export async function listHistoryPage(db: Executor, page: HistoryPage): Promise<StoredMessage[]> {
  const rows = await historyPageQuery(db, page).execute();
  return page.anchor?.direction === "next" ? rows : rows.reverse();
}
