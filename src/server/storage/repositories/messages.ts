import { type CompiledQuery, type Insertable, type Selectable, sql } from "kysely";
import type { MessagesTable } from "../schema.ts";
import {
  type CompiledStatement,
  compiledOnce,
  compiledPerLength,
  compileStatement,
} from "./compiled-query.ts";
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
  /**
   * The page brings a message only while the field bytes (FIELD_BYTES) of those nearer the anchor are below
   * this (at least 1: the nearest always comes): the caller's page budget.
   */
  maxBytes: number;
  /**
   * The reader's profile: only messages past its history bound (chat_members.visible_after_message_id), read
   * by the page's statement itself, none once it is no member.
   */
  readerId: number;
}

/**
 * Every column a message is inserted with, in the order the insert binds them. Typed against the table: a
 * column added to MessagesTable must be added here, and then every insert sets it — Kysely's here and the
 * SQLite writer thread's, which runs messageInsertStatement (storage/message-commit/sqlite-thread.ts).
 */
const INSERTED_COLUMNS = Object.keys({
  chat_id: true,
  profile_id: true,
  certificate_id: true,
  session_id: true,
  local_id: true,
  data: true,
  sign: true,
  cms: true,
  type: true,
  file_id: true,
  file_size: true,
  created_at: true,
  key_id: true,
} satisfies Record<keyof NewMessage, true>) as (keyof NewMessage)[];

/** The message's values in the order the insert binds them, an optional column left out as null. */
export function messageArguments(message: NewMessage): unknown[] {
  return INSERTED_COLUMNS.map((column) => message[column] ?? null);
}

/** The insert of messages given as their messageArguments: every row names every column, in one order. */
function insertQuery(db: Executor, rows: readonly unknown[][]) {
  const values = rows.map(
    (row) => Object.fromEntries(INSERTED_COLUMNS.map((column, at) => [column, row[at]])) as NewMessage,
  );
  return db.insertInto("messages").values(values).returning("id");
}

function insertOneQuery(db: Executor, ...row: unknown[]) {
  return insertQuery(db, [row]);
}

const insertOne = compiledOnce(insertOneQuery, INSERTED_COLUMNS.length);

export async function insertMessage(db: Executor, message: NewMessage): Promise<number> {
  const [row] = await insertOne(db, ...messageArguments(message));
  if (!row) throw new Error("the message insert returned no id");
  return Number(row.id);
}

/**
 * Inserts several messages in one statement and returns their ids in the order of `messages`: each row takes
 * the next id as the statement processes it, so the ids sorted ascending match the rows in order, whatever
 * order RETURNING lists them in.
 */
export async function insertMessages(db: Executor, messages: NewMessage[]): Promise<number[]> {
  return idsInInsertOrder(await insertQuery(db, messages.map(messageArguments)).execute());
}

/** insertMessages' statement, for a caller that runs it on a connection of its own (PostgresCommitter). */
export function insertMessagesQuery(db: Executor, messages: NewMessage[]): CompiledQuery<{ id: number }> {
  return insertQuery(db, messages.map(messageArguments)).compile();
}

/**
 * The PostgreSQL type of each inserted column: the rows of insertMessagesOfOneChatQuery come from a VALUES list
 * in FROM, whose parameters PostgreSQL would otherwise take as text.
 */
const POSTGRES_TYPES = {
  chat_id: "text",
  profile_id: "bigint",
  certificate_id: "bigint",
  session_id: "bigint",
  local_id: "text",
  data: "text",
  sign: "text",
  cms: "text",
  type: "text",
  file_id: "text",
  file_size: "bigint",
  created_at: "bigint",
  key_id: "bigint",
} satisfies Record<keyof NewMessage, "text" | "bigint">;

/**
 * insertMessagesQuery for rows of one chat, as one autocommit statement that takes the chat's row lock
 * (FOR NO KEY UPDATE) before any row draws its id: each row is a join with the locked chat, and its id's
 * default (nextval) is evaluated on the joined row, so only once the lock is held. Batches of one chat from
 * several nodes then draw their ids in the order they commit (docs/DECISIONS.md §13). The join is a LEFT one:
 * a chat that is gone still reaches the admission trigger, which refuses the row as before. A join on `true`
 * with one locked row is a nested loop, which keeps the rows in list order: ids still ascend with the rows
 * (idsInInsertOrder). PostgreSQL only.
 */
export function insertMessagesOfOneChatQuery(
  db: Executor,
  chatId: string,
  messages: NewMessage[],
): CompiledQuery<{ id: number }> {
  const columns = sql.join(INSERTED_COLUMNS.map((column) => sql.ref(column)));
  // The first row's types are the list's: PostgreSQL gives the later rows' parameters those.
  const rows = messages.map(
    (message, at) =>
      sql`(${sql.join(
        INSERTED_COLUMNS.map((column) =>
          at === 0
            ? sql`${message[column] ?? null}::${sql.raw(POSTGRES_TYPES[column])}`
            : sql`${message[column] ?? null}`,
        ),
      )})`,
  );
  const chat = sql`select id from ${sql.table("chats")} where id = ${chatId} for no key update`;
  return sql<{ id: number }>`with locked as (${chat})
    insert into ${sql.table("messages")} (${columns})
    select ${sql.join(INSERTED_COLUMNS.map((column) => sql.ref(`v.${column}`)))}
    from (values ${sql.join(rows)}) as v (${columns}) left join locked on true
    returning id`.compile(db);
}

/** The ids an insert of several messages returned, in the order of its rows (see insertMessages). */
export function idsInInsertOrder(rows: readonly { id: number }[]): number[] {
  return rows.map((row) => Number(row.id)).sort((a, b) => a - b);
}

/**
 * The ids of stored messages equal to `messages` on every column they were inserted with, in their order, or
 * undefined unless each one is stored: how PostgresCommitter finds a batch whose commit answer was lost. The
 * rows of one transaction are stored all or none, so finding them all means the batch committed. A row with a
 * localId or a file is unique by that alone; one without would be taken for another only if the same session
 * sent the same ciphertext in the same millisecond in another batch (docs/DECISIONS.md §15).
 */
export async function findStoredMessages(
  db: Executor,
  messages: NewMessage[],
): Promise<number[] | undefined> {
  if (messages.length === 0) return [];
  const senders = new Map(messages.map((one) => [`${one.session_id}/${one.chat_id}`, one]));
  const times = messages.map((one) => one.created_at);
  // (session_id, chat_id) is the prefix of the unique localId index: a session's rows in a chat, then filtered.
  const candidates = await db
    .selectFrom("messages")
    .select(["id", ...INSERTED_COLUMNS])
    .where((eb) =>
      eb.or(
        [...senders.values()].map((one) =>
          eb.and([eb("session_id", "=", one.session_id), eb("chat_id", "=", one.chat_id)]),
        ),
      ),
    )
    .where("created_at", ">=", Math.min(...times))
    .where("created_at", "<=", Math.max(...times))
    .orderBy("id")
    .execute();
  const taken = new Set<number>();
  const ids: number[] = [];
  for (const message of messages) {
    const wanted = messageArguments(message);
    const found = candidates.find(
      (row) =>
        !taken.has(row.id) && INSERTED_COLUMNS.every((column, at) => (row[column] ?? null) === wanted[at]),
    );
    if (!found) return undefined;
    taken.add(found.id);
    ids.push(Number(found.id));
  }
  return ids;
}

/** The insert of one message as insertMessage runs it, to be run elsewhere with its messageArguments. */
export function messageInsertStatement(db: Executor): CompiledStatement {
  return compileStatement(db, insertOneQuery, INSERTED_COLUMNS.length);
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

function releaseLocalIdQuery(db: Executor, messageId: number) {
  return db.updateTable("messages").set({ local_id: null }).where("id", "=", messageId);
}

/** Lets a stale localId be used again: the old message keeps its row, only the retry key is cleared. */
export async function releaseLocalId(db: Executor, messageId: number): Promise<void> {
  await releaseLocalIdQuery(db, messageId).execute();
}

/** releaseLocalId's statement, for a caller that runs it on a connection of its own (PostgresCommitter). */
export function releaseLocalIdQueryOf(db: Executor, messageId: number): CompiledQuery {
  return releaseLocalIdQuery(db, messageId).compile();
}

/** releaseLocalId as a statement to be run elsewhere, with the message id as its one argument. */
export function releaseLocalIdStatement(db: Executor): CompiledStatement {
  return compileStatement(db, releaseLocalIdQuery, 1);
}

/** The chat's last message id, 0 for none (an epoch's after_message_id, a "from now" member's bound). */
export async function lastMessageId(db: Executor, chatId: string): Promise<number> {
  const row = await db
    .selectFrom("messages")
    .select("id")
    .where("chat_id", "=", chatId)
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.id) : 0;
}

/** The message carrying a file, with its chat and the file's size as sent (undefined for an unknown file id). */
export function findFileMessage(
  db: Executor,
  fileId: string,
): Promise<{ id: number; chat_id: string; file_size: number | null } | undefined> {
  return db
    .selectFrom("messages")
    .select(["id", "chat_id", "file_size"])
    .where("file_id", "=", fileId)
    .executeTakeFirst();
}

/**
 * Which of `fileIds` a stored message names, in one statement on the unique file_id index (a blob sweep asks
 * a listing page at a time, at most LIST_PAGE_SIZE ids).
 */
export async function referencedFileIds(db: Executor, fileIds: readonly string[]): Promise<Set<string>> {
  if (fileIds.length === 0) return new Set();
  const rows = await db.selectFrom("messages").select("file_id").where("file_id", "in", fileIds).execute();
  return new Set(rows.flatMap((row) => (row.file_id === null ? [] : [row.file_id])));
}

/**
 * The bytes of a message's ciphertext and signatures, the part of a row that may be large (cms: 1 MiB), read
 * without the values themselves (octet_length: PostgreSQL reads no TOAST, SQLite no overflow pages). The
 * fields are base64 (checked on send), so bytes and characters agree: a page's byte cut in the service, which
 * counts characters, never keeps a message a bound in bytes left out.
 */
const FIELD_BYTES = sql<number>`octet_length(messages.data) + coalesce(octet_length(messages.sign), 0) + coalesce(octet_length(messages.cms), 0)`;

/**
 * The reader's history bound in a chat as a scalar subquery on the chat_members key, evaluated once by the
 * statement that holds it: null when it is no member, and no id is greater. A statement bounded by it reads
 * nothing of a membership ended (a leave, a removal) or renewed "from now" after the caller's own membership
 * read: the ciphertexts sent since are under an epoch a member who left still holds (docs/CRYPTO.md).
 */
function readerBound(db: Executor, chatId: string, profileId: number) {
  return db
    .selectFrom("chat_members")
    .select("chat_members.visible_after_message_id")
    .where("chat_members.chat_id", "=", chatId)
    .where("chat_members.profile_id", "=", profileId);
}

/**
 * A history page's ids and field bytes: a keyset range on the (chat_id, id) index, newest first for the
 * latest and "prev" pages, oldest first for "next".
 */
function historyFoundQuery(db: Executor, page: HistoryPage) {
  let query = db
    .selectFrom("messages")
    .select(["messages.id", FIELD_BYTES.as("bytes")])
    .where("messages.chat_id", "=", page.chatId)
    // A lower bound on the same range: the page stays one index range.
    .where("messages.id", ">", readerBound(db, page.chatId, page.readerId));
  if (page.filesOnly) query = query.where("messages.file_id", "is not", null);
  if (page.anchor?.direction === "next") {
    return query.where("messages.id", ">", page.anchor.id).orderBy("messages.id", "asc").limit(page.limit);
  }
  if (page.anchor) query = query.where("messages.id", "<", page.anchor.id);
  return query.orderBy("messages.id", "desc").limit(page.limit);
}

/**
 * The query of one history page: its range's ids and field bytes (historyFoundQuery), each placed after the
 * bytes of those nearer the anchor, and the rows joined back by id only while those bytes are below
 * `maxBytes`: no more than `maxBytes` and one message reach the process (a page of 50 messages of a 1 MiB cms
 * each is ~72 MiB; the service cuts at 8 MiB). No order: listHistoryPage sorts. Exposed so tests can EXPLAIN it.
 */
export function historyPageQuery(db: Executor, page: HistoryPage) {
  const nearestFirst = page.anchor?.direction === "next" ? sql`asc` : sql`desc`;
  const placed = db
    .selectFrom(historyFoundQuery(db, page).as("found"))
    .select([
      "found.id",
      sql<number>`sum(found.bytes) over (order by found.id ${nearestFirst}) - found.bytes`.as("before"),
    ]);
  return db
    .selectFrom(placed.as("placed"))
    .innerJoin("messages", "messages.id", "placed.id")
    .innerJoin("profiles", "profiles.id", "messages.profile_id")
    .selectAll("messages")
    .select("profiles.name as sender_name")
    .where("placed.before", "<", page.maxBytes);
}

/**
 * What a page binds, in order: the chat, the reader, the anchor (when the page has one), the limit, the byte
 * bound.
 */
function pageArguments(page: HistoryPage): unknown[] {
  return [page.chatId, page.readerId, ...(page.anchor ? [page.anchor.id] : []), page.limit, page.maxBytes];
}

/** A page of the same shape as `shape` with these arguments (pageArguments's order). */
function pageOf(shape: HistoryPage, args: unknown[]): HistoryPage {
  const [chatId, ...rest] = args as [string, ...number[]];
  const take = () => rest.shift() as number;
  return {
    chatId,
    readerId: take(),
    anchor: shape.anchor ? { id: take(), direction: shape.anchor.direction } : undefined,
    filesOnly: shape.filesOnly,
    limit: take(),
    maxBytes: take(),
  };
}

type PageRun = (db: Executor, ...args: unknown[]) => Promise<StoredMessage[]>;

/** One compiled query per page shape (direction, files only): 6 at most. */
const pageRuns = new Map<string, PageRun>();

function pageRun(page: HistoryPage): PageRun {
  const shape = `${page.anchor?.direction ?? "latest"}/${page.filesOnly}`;
  let run = pageRuns.get(shape);
  if (!run) {
    run = compiledOnce(
      (db: Executor, ...args: unknown[]) => historyPageQuery(db, pageOf(page, args)),
      pageArguments(page).length,
    );
    pageRuns.set(shape, run);
  }
  return run;
}

/** One chat of listCatchUpPages: its messages after `afterId` are asked for. */
export interface CatchUpRange {
  chatId: string;
  afterId: number;
}

/** What listCatchUpPages read of one chat: its first messages within the byte bound, and how many it found. */
export interface CatchUpRead {
  /** The messages whose ciphertexts and signatures came, ascending ids. */
  messages: StoredMessage[];
  /** Every message found after the id, up to the limit: more than `messages` when the bound stopped them. */
  found: number;
}

/**
 * The first `limit` messages of one chat after an id that the reader may read now, oldest first, as ids and
 * field bytes: one part of listCatchUpPages, `part` its place. The reader's membership and history bound are
 * read by the part itself (a scalar subquery on the chat_members key, evaluated once): a member removed, or
 * added again "from now", after the caller's membership read reads nothing it may not. The limit is written into the SQL, not bound: SQLite runs a page with a
 * literal LIMIT in about half the time (a bound one cost ~10–15 µs more per page on this machine,
 * docs/PERFORMANCE.md "reconnect-storm").
 */
function catchUpPart(
  db: Executor,
  part: number,
  profileId: number,
  chatId: string,
  afterId: number,
  limit: number,
) {
  return db
    .selectFrom("messages")
    .select([sql.lit(part).as("part"), "messages.id", FIELD_BYTES.as("bytes")])
    .where("messages.chat_id", "=", chatId)
    .where("messages.id", ">", afterId)
    .where("messages.id", ">", readerBound(db, chatId, profileId))
    .orderBy("messages.id", "asc")
    .limit(sql.lit(limit));
}

/**
 * listCatchUpPages's statement: the ranges' ids and field bytes (a UNION ALL of one index range per chat), each
 * placed after the bytes of those before it (in the ranges' order, then by id), and the rows joined back by id:
 * the fields of a row only when the bytes before it are below `maxBytes`, so no more than `maxBytes` and one
 * message reach the process, however many chats and however large their messages. Exposed so tests can
 * EXPLAIN it.
 */
export function catchUpPagesQuery(
  db: Executor,
  profileId: number,
  ranges: readonly CatchUpRange[],
  limit: number,
  maxBytes: number,
) {
  const parts = ranges.map((range, at) =>
    db
      .selectFrom(catchUpPart(db, at, profileId, range.chatId, range.afterId, limit).as(`p${at}`))
      .selectAll(),
  );
  const [first, ...rest] = parts;
  if (!first) throw new Error("a catch-up of no chats");
  const found = rest.reduce((union, part) => union.unionAll(part), first);
  const placed = db
    .selectFrom(found.as("found"))
    .select([
      "found.id",
      sql<number>`sum(found.bytes) over (order by found.part, found.id) - found.bytes`.as("before"),
    ]);
  const within = sql<boolean>`placed.before < ${maxBytes}`;
  return db
    .selectFrom(placed.as("placed"))
    .innerJoin("messages", "messages.id", "placed.id")
    .innerJoin("profiles", "profiles.id", "messages.profile_id")
    .select([
      "messages.id",
      "messages.chat_id",
      "messages.profile_id",
      "messages.certificate_id",
      "messages.session_id",
      "messages.local_id",
      sql<string | null>`case when ${within} then messages.data end`.as("data"),
      sql<string | null>`case when ${within} then messages.sign end`.as("sign"),
      sql<string | null>`case when ${within} then messages.cms end`.as("cms"),
      "messages.type",
      "messages.file_id",
      "messages.file_size",
      "messages.created_at",
      "messages.key_id",
      "profiles.name as sender_name",
      sql<number>`case when ${within} then 1 else 0 end`.as("within"),
    ]);
}

/** The ranges of a catch-up from its flattened arguments (chat, after id, chat, …). */
function rangesOf(args: readonly unknown[]): CatchUpRange[] {
  return Array.from({ length: args.length / 2 }, (_, at) => ({
    chatId: args[2 * at] as string,
    afterId: args[2 * at + 1] as number,
  }));
}

type CatchUpRow = Omit<StoredMessage, "data"> & { data: string | null; within: number };

/** Compiled catch-up statements, per (limit, number of chats). */
const catchUpRuns = new Map<number, ReturnType<typeof catchUpRunsOf>>();

function catchUpRunsOf(limit: number) {
  return compiledPerLength<CatchUpRow>(
    () =>
      (db: Executor, maxBytes: unknown, profileId: unknown, ...args: unknown[]) =>
        catchUpPagesQuery(db, profileId as number, rangesOf(args), limit, maxBytes as number),
    (length) => 2 + 2 * length,
  );
}

/**
 * For each range, up to `limit` messages of its chat after its id that the reader (`profileId`) may read when
 * the statement runs (a member, past its history bound), in one statement (a UNION ALL of one index range per
 * chat): a returning socket's `resume` reads all its chats' pages at once instead of a statement per chat,
 * and a chat with nothing new costs one index seek. The messages come with their
 * ciphertexts and signatures while the bytes of those before them, in the ranges' order, stay below
 * `maxBytes` (at least 1: the first message found always comes); the rest are only counted. Keyed by chat (a
 * chat without any: absent). Compiled once per number of ranges.
 */
export async function listCatchUpPages(
  db: Executor,
  profileId: number,
  ranges: readonly CatchUpRange[],
  limit: number,
  maxBytes: number,
): Promise<Map<string, CatchUpRead>> {
  const pages = new Map<string, CatchUpRead>();
  if (ranges.length === 0) return pages;
  let runs = catchUpRuns.get(limit);
  if (!runs) {
    runs = catchUpRunsOf(limit);
    catchUpRuns.set(limit, runs);
  }
  const rows = await runs(db, ranges.length, [
    Math.max(maxBytes, 1),
    profileId,
    ...ranges.flatMap((range) => [range.chatId, range.afterId]),
  ]);
  for (const { within, data, ...row } of rows) {
    let page = pages.get(row.chat_id);
    if (!page) {
      page = { messages: [], found: 0 };
      pages.set(row.chat_id, page);
    }
    page.found++;
    if (Number(within) === 1 && data !== null) page.messages.push({ ...row, data });
  }
  // A statement promises no order: each page is put in id order here (the bound keeps a prefix of each).
  for (const page of pages.values()) page.messages.sort((a, b) => Number(a.id) - Number(b.id));
  return pages;
}

/**
 * One history page in ascending id order: up to `limit` messages of its range, those nearest the anchor whose
 * field bytes before them stay below `maxBytes` (the nearest always).
 */
export async function listHistoryPage(db: Executor, page: HistoryPage): Promise<StoredMessage[]> {
  const rows = await pageRun(page)(db, ...pageArguments({ ...page, maxBytes: Math.max(page.maxBytes, 1) }));
  return rows.sort((a, b) => Number(a.id) - Number(b.id));
}
