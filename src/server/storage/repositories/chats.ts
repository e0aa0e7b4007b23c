import type { Insertable, Selectable } from "kysely";
import type { ChatMembersTable, ChatsTable } from "../schema.ts";
import { commitmentColumns, type EpochCommitment } from "./chat-key-epochs.ts";
import { compiledOnce, compiledPerLength } from "./compiled-query.ts";
import type { Executor } from "./executor.ts";

export type Chat = Selectable<ChatsTable>;

export const MemberRole = { member: 0, admin: 1, owner: 2 } as const;

/** A chat of the profile's list with its last activity (last message, else creation), Unix ms. */
export interface ChatWithActivity extends Chat {
  last_activity_at: number;
  /** The id of the last message the profile may read (past its history bound); null when there is none. */
  last_visible_message_id: number | null;
  /** The profile's role in the chat. */
  role: number;
}

/**
 * The chat row (at key epoch 1, the default) with that epoch's row and its key commitment, if createChat sent one
 * (run in the transaction that adds its members and keys).
 */
export async function insertChat(
  db: Executor,
  chat: Insertable<ChatsTable>,
  commitment?: EpochCommitment,
): Promise<void> {
  await db.insertInto("chats").values(chat).execute();
  await db
    .insertInto("chat_key_epochs")
    .values({
      chat_id: chat.id,
      key_id: 1,
      after_message_id: 0,
      created_by_profile_id: chat.owner_profile_id,
      reason: "create",
      created_at: chat.created_at,
      ...commitmentColumns(commitment),
    })
    .execute();
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
 * Every chat the profile belongs to, most recent activity first, with the last message the profile may read.
 * The last message of each chat is one backward step on the (chat_id, id) index, so the list costs one query
 * however many chats there are.
 */
export async function listChatsOfProfile(db: Executor, profileId: number): Promise<ChatWithActivity[]> {
  const rows = await db
    .selectFrom("chat_members")
    .innerJoin("chats", "chats.id", "chat_members.chat_id")
    .selectAll("chats")
    .select(["chat_members.role", "chat_members.visible_after_message_id"])
    .select((eb) => [
      eb
        .selectFrom("messages")
        .select("messages.created_at")
        .whereRef("messages.chat_id", "=", "chats.id")
        .orderBy("messages.id", "desc")
        .limit(1)
        .as("last_message_at"),
      eb
        .selectFrom("messages")
        .select("messages.id")
        .whereRef("messages.chat_id", "=", "chats.id")
        .orderBy("messages.id", "desc")
        .limit(1)
        .as("last_message_id"),
    ])
    .where("chat_members.profile_id", "=", profileId)
    .execute();
  return rows
    .map(({ last_message_at, last_message_id, visible_after_message_id, ...chat }) => ({
      ...chat,
      last_activity_at: last_message_at === null ? chat.created_at : Number(last_message_at),
      // The last message is readable exactly when it lies past the bound: then it is the last readable one.
      last_visible_message_id:
        last_message_id !== null && Number(last_message_id) > Number(visible_after_message_id)
          ? Number(last_message_id)
          : null,
    }))
    .sort((a, b) => b.last_activity_at - a.last_activity_at || a.id.localeCompare(b.id));
}

/** The chat row as a membership change finds it after taking the lock. */
export interface LockedChat {
  type: number;
  owner_profile_id: number;
  key_id: number;
  /** Already bumped by lockChat (the version this change commits); as it was for lockChats. */
  version: number;
  rotation_due: number;
}

/**
 * The first statement of every change of members, roles, epochs or key holders (design §4.3): bumps the chat's
 * version and so takes the write lock (SQLite) or the row lock the message trigger's FOR SHARE waits for
 * (PostgreSQL). Undefined for an unknown chat. Several chats: lock them in ascending id order.
 */
export function lockChat(trx: Executor, chatId: string): Promise<LockedChat | undefined> {
  return trx
    .updateTable("chats")
    .set((eb) => ({ version: eb("version", "+", 1) }))
    .where("id", "=", chatId)
    .returning(["type", "owner_profile_id", "key_id", "version", "rotation_due"])
    .executeTakeFirst();
}

/**
 * Locks several chats (chatsKeys) like lockChat but without bumping their versions, in ascending id order so two
 * such changes cannot deadlock. The caller bumps (bumpChatVersion) only a chat whose current-epoch key holders
 * it changed: a fulfilment that stores nothing must not outdate a removal built meanwhile.
 */
export async function lockChats(trx: Executor, chatIds: readonly string[]): Promise<Map<string, LockedChat>> {
  const locked = new Map<string, LockedChat>();
  for (const chatId of [...new Set(chatIds)].sort()) {
    // `version = version` is still a write: the SQLite write lock, the PostgreSQL row lock.
    const chat = await trx
      .updateTable("chats")
      .set((eb) => ({ version: eb.ref("version") }))
      .where("id", "=", chatId)
      .returning(["type", "owner_profile_id", "key_id", "version", "rotation_due"])
      .executeTakeFirst();
    if (chat) locked.set(chatId, chat);
  }
  return locked;
}

/** Bumps a chat locked by lockChats whose current-epoch key holders changed. */
export async function bumpChatVersion(trx: Executor, chatId: string): Promise<void> {
  await trx
    .updateTable("chats")
    .set((eb) => ({ version: eb("version", "+", 1) }))
    .where("id", "=", chatId)
    .execute();
}

/** A profile's membership with what every read checks: role, chat type, epochs, history bound. */
export interface MemberView {
  chat_type: number;
  role: number;
  owner_profile_id: number;
  /** The chat's current epoch. */
  key_id: number;
  version: number;
  rotation_due: number;
  visible_after_message_id: number;
  first_key_id: number;
}

function memberViewQuery(db: Executor, chatId: string, profileId: number) {
  return db
    .selectFrom("chat_members")
    .innerJoin("chats", "chats.id", "chat_members.chat_id")
    .select([
      "chats.type as chat_type",
      "chat_members.role",
      "chats.owner_profile_id",
      "chats.key_id",
      "chats.version",
      "chats.rotation_due",
      "chat_members.visible_after_message_id",
      "chat_members.first_key_id",
    ])
    .where("chat_members.chat_id", "=", chatId)
    .where("chat_members.profile_id", "=", profileId);
}

/** Compiled once: every socket `subscribe` reads it (again after the join only if a removal raced it). */
const memberView = compiledOnce(memberViewQuery, 2);

/** The membership of a profile in a chat, or undefined (unknown chat or not a member: callers answer the same). */
export async function findMemberView(
  db: Executor,
  chatId: string,
  profileId: number,
): Promise<MemberView | undefined> {
  const [view] = await memberView(db, chatId, profileId);
  return view;
}

/** What a history read needs of the reader's membership, and the chat's last message id (null: none yet). */
export interface ReaderView {
  visible_after_message_id: number;
  last_message_id: number | null;
}

/** Compiled once: every `messages` request reads it. The last id is the top of the (chat_id, id) index. */
const readerView = compiledOnce(
  (db: Executor, chatId: string, profileId: number) =>
    db
      .selectFrom("chat_members")
      .select((eb) => [
        "chat_members.visible_after_message_id",
        eb
          .selectFrom("messages")
          .select("messages.id")
          .where("messages.chat_id", "=", chatId)
          .orderBy("messages.id", "desc")
          .limit(1)
          .as("last_message_id"),
      ])
      .where("chat_members.chat_id", "=", chatId)
      .where("chat_members.profile_id", "=", profileId),
  2,
);

/**
 * The reader's history bound with the chat's last message id, in one read; undefined for a non-member (or an
 * unknown chat). Lets a catch-up with nothing new be answered without the page query.
 */
export async function findReaderView(
  db: Executor,
  chatId: string,
  profileId: number,
): Promise<ReaderView | undefined> {
  const [view] = await readerView(db, chatId, profileId);
  return (
    view && { ...view, last_message_id: view.last_message_id === null ? null : Number(view.last_message_id) }
  );
}

/** A `resume` names at most this many chats (MAX_RESUME_CHATS): the compiled forms per length stay bounded. */
const MAX_LISTED_CHATS = 100;

/** The membership read of findReaderBounds for `length` chats: the profile, then the chat ids. */
const readerBoundsQuery = compiledPerLength<{ chat_id: string; visible_after_message_id: number }>(
  () =>
    (db: Executor, profileId: unknown, ...chatIds: unknown[]) =>
      db
        .selectFrom("chat_members")
        .select(["chat_id", "visible_after_message_id"])
        .where("profile_id", "=", profileId as number)
        .where("chat_id", "in", chatIds as string[]),
  (length) => length + 1,
);

/**
 * Which of these chats the profile is a member of, with its history bound in each (visible_after_message_id),
 * in one read (a reconnecting socket's `resume`): absent, not a member or an unknown chat. Compiled once per
 * number of chats (up to 100).
 */
export async function findReaderBounds(
  db: Executor,
  profileId: number,
  chatIds: readonly string[],
): Promise<Map<string, number>> {
  if (chatIds.length === 0) return new Map();
  if (chatIds.length > MAX_LISTED_CHATS) throw new Error(`more than ${MAX_LISTED_CHATS} chats in one read`);
  const rows = await readerBoundsQuery(db, chatIds.length, [profileId, ...chatIds]);
  return new Map(rows.map((row) => [row.chat_id, Number(row.visible_after_message_id)]));
}

export type ChatMemberRow = Selectable<ChatMembersTable>;

/** A chat's members: the owner, then admins, then members, each by joining time. */
export function listMembers(db: Executor, chatId: string): Promise<ChatMemberRow[]> {
  return db
    .selectFrom("chat_members")
    .selectAll()
    .where("chat_id", "=", chatId)
    .orderBy("role", "desc")
    .orderBy("joined_at")
    .orderBy("profile_id")
    .execute();
}

/** Removes a membership (its keys and waits go separately); whether there was one. */
export async function deleteMember(trx: Executor, chatId: string, profileId: number): Promise<boolean> {
  const result = await trx
    .deleteFrom("chat_members")
    .where("chat_id", "=", chatId)
    .where("profile_id", "=", profileId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Sets a member's role. A chat has one owner (unique index chat_members_one_owner): to hand ownership over,
 * demote the owner first, then promote the new one, and setChatOwner.
 */
export async function setMemberRole(
  trx: Executor,
  chatId: string,
  profileId: number,
  role: number,
): Promise<void> {
  await trx
    .updateTable("chat_members")
    .set({ role })
    .where("chat_id", "=", chatId)
    .where("profile_id", "=", profileId)
    .execute();
}

/** Keeps chats.owner_profile_id equal to the role-2 member (contacts show the owner). */
export async function setChatOwner(trx: Executor, chatId: string, profileId: number): Promise<void> {
  await trx.updateTable("chats").set({ owner_profile_id: profileId }).where("id", "=", chatId).execute();
}

/** Marks that a member left (true) until a rotation clears it. */
export async function setRotationDue(trx: Executor, chatId: string, due: boolean): Promise<void> {
  await trx
    .updateTable("chats")
    .set({ rotation_due: due ? 1 : 0 })
    .where("id", "=", chatId)
    .execute();
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

/** A member as a channel subscriber may see it: the chat's type and the member's role. */
export interface VisibleMember {
  chat_id: string;
  chat_type: number;
  profile_id: number;
  role: number;
}

/** The owners and admins of the given chats, and the profile itself where it is a member. */
export function listStaffAndProfile(
  db: Executor,
  chatIds: readonly string[],
  profileId: number,
): Promise<VisibleMember[]> {
  if (chatIds.length === 0) return Promise.resolve([]);
  return db
    .selectFrom("chat_members")
    .innerJoin("chats", "chats.id", "chat_members.chat_id")
    .select([
      "chat_members.chat_id",
      "chats.type as chat_type",
      "chat_members.profile_id",
      "chat_members.role",
    ])
    .where("chat_members.chat_id", "in", chatIds)
    .where((eb) =>
      eb.or([eb("chat_members.role", ">=", MemberRole.admin), eb("chat_members.profile_id", "=", profileId)]),
    )
    .execute();
}
