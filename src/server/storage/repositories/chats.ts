import type { Insertable, Selectable } from "kysely";
import type { ChatMembersTable, ChatsTable } from "../schema.ts";
import type { Executor } from "./executor.ts";

export type Chat = Selectable<ChatsTable>;

export const MemberRole = { member: 0, admin: 1, owner: 2 } as const;

/** A chat of the profile's list with its last activity (last message, else creation), Unix ms. */
export interface ChatWithActivity extends Chat {
  last_activity_at: number;
}

export async function insertChat(db: Executor, chat: Insertable<ChatsTable>): Promise<void> {
  await db.insertInto("chats").values(chat).execute();
}

export async function insertChatMembers(
  db: Executor,
  members: Insertable<ChatMembersTable>[],
): Promise<void> {
  if (members.length > 0) await db.insertInto("chat_members").values(members).execute();
}

export function findChatById(db: Executor, id: string): Promise<Chat | undefined> {
  return db.selectFrom("chats").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findChatsByPairKeys(db: Executor, pairKeys: string[]): Promise<Chat[]> {
  if (pairKeys.length === 0) return Promise.resolve([]);
  return db.selectFrom("chats").selectAll().where("pair_key", "in", pairKeys).execute();
}

/** The membership of a profile in a chat with the chat's type, or undefined (unknown chat or not a member). */
export function findMembership(
  db: Executor,
  chatId: string,
  profileId: number,
): Promise<{ chat_type: number; role: number } | undefined> {
  return db
    .selectFrom("chat_members")
    .innerJoin("chats", "chats.id", "chat_members.chat_id")
    .select(["chats.type as chat_type", "chat_members.role"])
    .where("chat_members.chat_id", "=", chatId)
    .where("chat_members.profile_id", "=", profileId)
    .executeTakeFirst();
}

/**
 * Every chat the profile belongs to, most recent activity first. The last message of each chat is one
 * backward step on the (chat_id, id) index, so the list costs one query however many chats there are.
 */
export async function listChatsOfProfile(db: Executor, profileId: number): Promise<ChatWithActivity[]> {
  const rows = await db
    .selectFrom("chat_members")
    .innerJoin("chats", "chats.id", "chat_members.chat_id")
    .selectAll("chats")
    .select((eb) =>
      eb
        .selectFrom("messages")
        .select("messages.created_at")
        .whereRef("messages.chat_id", "=", "chats.id")
        .orderBy("messages.id", "desc")
        .limit(1)
        .as("last_message_at"),
    )
    .where("chat_members.profile_id", "=", profileId)
    .execute();
  return rows
    .map(({ last_message_at, ...chat }) => ({
      ...chat,
      last_activity_at: last_message_at === null ? chat.created_at : Number(last_message_at),
    }))
    .sort((a, b) => b.last_activity_at - a.last_activity_at || a.id.localeCompare(b.id));
}

/** A (chat, profile) pair; findMemberships answers which pairs are memberships. */
export interface MembershipPair {
  chatId: string;
  profileId: number;
}

/** Pairs per query of findMemberships: two bound parameters each, well inside every backend's limit. */
const PAIRS_PER_QUERY = 400;

/** Which of these (chat, profile) pairs are memberships now, a query per 400 pairs. */
export async function findMemberships(
  db: Executor,
  pairs: readonly MembershipPair[],
): Promise<MembershipPair[]> {
  const found: MembershipPair[] = [];
  for (let at = 0; at < pairs.length; at += PAIRS_PER_QUERY) {
    const chunk = pairs.slice(at, at + PAIRS_PER_QUERY);
    const rows = await db
      .selectFrom("chat_members")
      .select(["chat_id", "profile_id"])
      .where((eb) =>
        eb(
          eb.refTuple("chat_id", "profile_id"),
          "in",
          chunk.map((pair) => eb.tuple(pair.chatId, pair.profileId)),
        ),
      )
      .execute();
    for (const row of rows) found.push({ chatId: row.chat_id, profileId: row.profile_id });
  }
  return found;
}
