import { randomUUID } from "node:crypto";
import type { Logger } from "pino";
import { BoundedCache } from "../../lib/bounded-cache.ts";
import { decodeBase64 } from "../../protocol/base64.ts";
import { ApiError } from "../../protocol/errors.ts";
import { MAX_SIGN_BYTES } from "../../protocol/schemas/common.ts";
import {
  HISTORY_PAGE_SIZE,
  type LocalId,
  type Message,
  type MessagesRequest,
  type SendMessageRequest,
} from "../../protocol/schemas/messages.ts";
import type { BlobStore } from "../blobs/blob-store.ts";
import type { MessageWriter } from "../storage/message-writer.ts";
import { findChatById } from "../storage/repositories/chats.ts";
import { isUniqueViolation, messageRefusal } from "../storage/repositories/constraint-errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import {
  type CatchUpRead,
  findMessageByLocalId,
  listCatchUpPages,
  listHistoryPage,
  type NewMessage,
  type StoredMessage,
} from "../storage/repositories/messages.ts";
import type { ChatRights } from "./chat-rights.ts";
import type { Clock } from "./clock.ts";
import { threePartName } from "./full-name.ts";
import type { MessagePublisher, PublishOptions } from "./message-publisher.ts";
import type { Identity } from "./sessions.ts";

/** Chats whose current epoch is remembered for labelling v1 sends. */
const CURRENT_KEY_CACHE = 100_000;

/**
 * Chats whose catch-up pages one statement reads (catchUpPages): a typical client's (the storm's sockets hold
 * 10), while a resume of 100 chats past its page budget reads few beyond it.
 */
const CATCH_UP_CHATS_PER_READ = 10;

/** A retry with the same localId within this time returns the stored message (docs/DECISIONS.md §3). */
export const LOCAL_ID_TTL_MS = 24 * 3_600_000;

export interface MessageServiceOptions {
  db: Executor;
  blobs: BlobStore;
  /** Commits message rows, grouping concurrent sends into one transaction. */
  writer: MessageWriter;
  /** Announces each committed message to the chat's live listeners. */
  publisher: MessagePublisher;
  /** Membership and signer answers (shared with the socket gateway's `subscribe`). */
  rights: ChatRights;
  clock: Clock;
  logger: Logger;
  maxTextBytes: number;
  maxFileBytes: number;
  /** Decoded size of a detached CMS signature. */
  maxCmsBytes: number;
  /** Bytes of message fields in one history page (see pageWithinBytes). */
  maxPageBytes: number;
  /**
   * A send whose file was stored longer ago than this when its commit starts is refused (CommonError) and its
   * file removed: the blob sweep takes a blob older than its grace period that no message names for an orphan,
   * so a commit may not come later than this (half the grace period, docs/DECISIONS.md §21). None: no bound.
   */
  maxCommitDelayMs?: number;
}

/**
 * The most base64 characters `bytes` decoded bytes can take, line breaks (every 76 columns, CRLF) and padding
 * included: a longer field is over its limit without being decoded.
 */
export function base64Ceiling(bytes: number): number {
  const characters = Math.ceil(bytes / 3) * 4;
  return characters + Math.ceil(characters / 76) * 2;
}

/** The bytes a message takes in a page: its variable fields plus a generous allowance for the fixed ones. */
function messageBytes(message: Message): number {
  return (
    message.data.length +
    (message.sign?.length ?? 0) +
    (message.cms?.length ?? 0) +
    Buffer.byteLength(message.user) +
    message.type.length +
    256
  );
}

/**
 * How many of `messages`, from the first, fit in `maxBytes`, and their bytes; the first always when `keepOne`
 * (so that a client paging on from the page's ids never stalls).
 */
function prefixWithinBytes(
  messages: readonly Message[],
  maxBytes: number,
  keepOne: boolean,
): { kept: number; bytes: number } {
  let bytes = 0;
  let kept = 0;
  for (const message of messages) {
    const next = bytes + messageBytes(message);
    if (next > maxBytes && !(keepOne && kept === 0)) break;
    bytes = next;
    kept++;
  }
  return { kept, bytes };
}

/**
 * A page cut to `maxBytes`, keeping the messages nearest the anchor (the oldest of a `next` page, the newest of
 * the others) and always at least one, so a client paging on from the page's last (or first) id never stalls.
 */
export function pageWithinBytes(page: Message[], maxBytes: number, fromStart: boolean): Message[] {
  const ordered = fromStart ? page : [...page].reverse();
  const { kept } = prefixWithinBytes(ordered, maxBytes, true);
  if (kept === page.length) return page;
  return fromStart ? page.slice(0, kept) : page.slice(page.length - kept);
}

/** One chat of a `resume`: the id the client holds, and the reader's history bound (visible_after_message_id). */
export interface CatchUpRequest {
  chat: string;
  id: number;
  visibleAfter: number;
}

/** The `next` page after the client's id; `more` when the page stopped before the chat's last message. */
export interface CatchUpPage {
  chat: string;
  messages: Message[];
  more: boolean;
}

/** A send validated and authorized, its file stored, waiting for its commit (MessageService.prepare). */
export interface PreparedSend {
  /** Queues the row for the next group commit before returning, and resolves to the stored message. */
  commit(): Promise<Message>;
  /** The send will not be committed (its socket left before its turn): its file is removed. */
  abandon(): Promise<void>;
}

/** What commit needs of a prepared send. */
interface PendingSend {
  /** The row as stored, but for the ids the commit gives it. */
  row: Omit<StoredMessage, "id" | "key_id" | "sender_name">;
  request: SendMessageRequest;
  retryKey: Parameters<typeof findMessageByLocalId>[1] | undefined;
  fileId: string | null;
  /** When the file's write began (the clock's ms), for maxCommitDelayMs. */
  storedAt: number;
  /** The epoch the row is labelled with first. */
  label: number;
  senderName: string;
}

/** A stored message as clients see it; `localId` only for the sender's own answer. */
export function messageView(row: StoredMessage, localId?: LocalId): Message {
  return {
    id: row.id,
    chat: row.chat_id,
    pid: row.profile_id,
    cid: row.certificate_id,
    user: threePartName(row.sender_name),
    data: row.data,
    sign: row.sign,
    cms: row.cms,
    type: row.type,
    file: row.file_id,
    time: Math.floor(row.created_at / 1000),
    keyId: row.key_id,
    ...(localId === undefined ? {} : { localId }),
  };
}

function decodeField(
  text: string | null | undefined,
  field: string,
  maxBytes: number,
): Uint8Array | undefined {
  if (text === undefined || text === null || text === "") return undefined;
  if (text.length > base64Ceiling(maxBytes)) throw new ApiError("DataError", `${field} too large`);
  const bytes = decodeBase64(text);
  if (!bytes) throw new ApiError("InvalidSchema", `${field} is not base64`);
  // Line breaks only decode to nothing: absent, like "" (a message of them would otherwise pass as a text).
  return bytes.length > 0 ? bytes : undefined;
}

/**
 * Sending and reading messages (docs/API.md "Отправка сообщения", "Socket (real time)"). `send` is the one path
 * for REST and sockets: it validates, writes the file blob, commits the row (in one transaction with
 * concurrent sends, see MessageWriter), returns the committed message (with the caller's localId) and then
 * publishes it. A retry that finds its message already stored returns that message and publishes it again:
 * the first announcement may never have gone out (the node died, or the database connection dropped, between
 * commit and publish), and clients keep messages by id, so a repeat is harmless.
 */
export class MessageService {
  /**
   * The epoch v1 sends (no keyId) are labelled with, per chat. A stale entry costs one refused insert: the
   * trigger refuses it (stale-key), the entry is read again and the send retried once.
   */
  private readonly currentKeyIds = new BoundedCache<string, number>(CURRENT_KEY_CACHE);

  constructor(private readonly options: MessageServiceOptions) {}

  /**
   * validate → commit → answer → publish: announced as the commit resolves, which takes the message's place in
   * the node's emission order (a removal published after it cannot overtake it); the emit itself goes once the
   * promise continuations of the moment have run, so the caller's answer (HTTP response, socket ack) goes first.
   */
  async send(identity: Identity, request: SendMessageRequest, publish?: PublishOptions): Promise<Message> {
    const message = await (await this.prepare(identity, request)).commit();
    this.announce(message, publish);
    return message;
  }

  /**
   * Announces a committed message to the chat's live listeners (emitted in the same turn, in the node's
   * emission order); for a caller that answers the sender itself (the socket gateway, which acks a socket's
   * sends in order) and announces as the commit resolves.
   */
  announce(message: Message, options: PublishOptions | undefined): void {
    try {
      this.options.publisher.publish(message, options);
    } catch (error) {
      // Live delivery is best effort (clients catch up with `messages`); the send itself succeeded.
      this.options.logger.error({ err: error, message: message.id }, "could not publish a message");
    }
  }

  /**
   * Validates a send, checks that the sender may post, stores its file and picks the epoch label: everything
   * before the commit, so a socket's next sends are prepared while earlier ones commit (docs/DECISIONS.md §13).
   */
  async prepare(identity: Identity, request: SendMessageRequest): Promise<PreparedSend> {
    const { blobs, clock } = this.options;
    const { maxTextBytes, maxFileBytes, maxCmsBytes } = this.options;
    const text = decodeField(request.text, "text", maxTextBytes);
    const file = decodeField(request.data, "data", maxFileBytes);
    const sign = decodeField(request.sign, "sign", MAX_SIGN_BYTES);
    const cms = decodeField(request.cms, "cms", maxCmsBytes);
    if (!text && !file) throw new ApiError("InvalidSchema", "a message needs text or data");
    if (text && text.length > maxTextBytes) throw new ApiError("DataError", "text too large");
    if (file && file.length > maxFileBytes) throw new ApiError("DataError", "file too large");
    if (cms && cms.length > maxCmsBytes) throw new ApiError("DataError", "cms too large");

    const me = identity.profile.id;
    const now = clock();
    await this.options.rights.requirePoster(me, request.chat, request.cid, now);

    const retryKey =
      request.localId === undefined
        ? undefined
        : { sessionId: identity.session.id, chatId: request.chat, localId: String(request.localId) };
    const fileId = file ? randomUUID() : null;
    const label = request.keyId ?? (await this.currentKeyId(request.chat, false));
    const storedAt = clock();
    if (fileId && file) await blobs.put(fileId, file);
    const row = {
      chat_id: request.chat,
      profile_id: me,
      certificate_id: request.cid,
      session_id: identity.session.id,
      local_id: retryKey?.localId ?? null,
      data: request.text ?? "",
      // Stored as sent, or null when absent (line breaks only included: they decode to no signature at all).
      sign: sign ? (request.sign ?? null) : null,
      cms: cms ? (request.cms ?? null) : null,
      type: request.type ?? (file ? "file" : "txt"),
      file_id: fileId,
      file_size: file?.length ?? null,
      created_at: now,
    };
    const send: PendingSend = {
      row,
      request,
      retryKey,
      fileId,
      storedAt,
      label,
      senderName: identity.profile.name,
    };
    return {
      commit: () => this.commit(send),
      abandon: async () => {
        if (fileId) await this.deleteBlob(fileId);
      },
    };
  }

  /**
   * Commits a prepared send (or finds the stored retry of it). The row joins the writer's queue before this
   * returns its promise, so sends committed one after another get increasing ids.
   */
  private async commit(send: PendingSend): Promise<Message> {
    const { row, request, retryKey, fileId } = send;
    const me = row.profile_id;
    const stored = (id: number, keyId: number): Message =>
      messageView({ ...row, id, key_id: keyId, sender_name: send.senderName }, request.localId);
    const { maxCommitDelayMs, clock } = this.options;
    if (fileId && maxCommitDelayMs !== undefined && clock() - send.storedAt > maxCommitDelayMs) {
      // The sweep may have taken the file for an orphan already: the send is refused, to be sent again.
      await this.deleteBlob(fileId);
      throw new ApiError("CommonError", "the send waited too long for its commit; send it again");
    }
    // No read before the insert: the unique (session, chat, localId) index finds a retry, which is rare.
    try {
      const { id, keyId } = await this.insertLabelled(me, row, request.keyId, send.label);
      return stored(id, keyId);
    } catch (error) {
      if (!retryKey || !isUniqueViolation(error)) {
        if (fileId) await this.deleteBlob(fileId);
        throw error;
      }
    }
    const { db } = this.options;
    const earlier = await findMessageByLocalId(db, retryKey);
    if (earlier && row.created_at - earlier.created_at < LOCAL_ID_TTL_MS) {
      if (fileId) await this.deleteBlob(fileId);
      return messageView(earlier, request.localId);
    }
    // The localId is stale (older than the TTL): this send takes it over.
    try {
      const { id, keyId } = await this.insertLabelled(me, row, request.keyId, send.label, earlier?.id);
      return stored(id, keyId);
    } catch (error) {
      // No orphan blob: the file of a message that was not stored goes too.
      if (fileId) await this.deleteBlob(fileId);
      // A concurrent retry of the same send committed first: answer with its message.
      const winner = isUniqueViolation(error) ? await findMessageByLocalId(db, retryKey) : undefined;
      if (winner) return messageView(winner, request.localId);
      throw error;
    }
  }

  /**
   * Commits the row under `label` (the named `keyId`, or for a v1 send the chat's current epoch as remembered);
   * a v1 send's label made stale by a rotation is read again and the send retried once. The first insert is
   * queued before the first await. The insert trigger has the last word: a sender no longer allowed to post is
   * refused with GetChatsError (and its "may post" hint dropped); a named epoch that is not the current one
   * with ChatKeyOutdated.
   */
  private async insertLabelled(
    profileId: number,
    row: Omit<NewMessage, "key_id">,
    keyId: number | undefined,
    firstLabel: number,
    releaseLocalIdOf?: number,
  ): Promise<{ id: number; keyId: number }> {
    const chatId = row.chat_id;
    let label = firstLabel;
    for (let attempt = 0; ; attempt++) {
      try {
        const id = await this.options.writer.insert({ row: { ...row, key_id: label }, releaseLocalIdOf });
        return { id, keyId: label };
      } catch (error) {
        const refusal = messageRefusal(error);
        if (refusal === "not-member") {
          this.options.rights.forget(profileId, chatId);
          throw new ApiError("GetChatsError", "not a member, or may not post in this channel");
        }
        if (refusal !== "stale-key") throw error;
        if (keyId !== undefined || attempt > 0)
          throw new ApiError("ChatKeyOutdated", "the chat's key changed");
        label = await this.currentKeyId(chatId, true);
      }
    }
  }

  /** The chat's current epoch, remembered per chat (`fresh`: read again). */
  private async currentKeyId(chatId: string, fresh: boolean): Promise<number> {
    const remembered = fresh ? undefined : this.currentKeyIds.get(chatId);
    if (remembered !== undefined) return remembered;
    const chat = await findChatById(this.options.db, chatId);
    // An unknown chat was refused before (requirePoster); if it vanished since, the trigger refuses the send.
    const keyId = chat?.key_id ?? 1;
    this.currentKeyIds.set(chatId, keyId);
    return keyId;
  }

  /**
   * One history page in ascending id order (docs/DECISIONS.md §2): latest 50, or 50 before/after `id`; fewer when their
   * fields exceed maxPageBytes (the spec's "up to 50"): the client pages on from the ids it holds. The statement
   * brings the ciphertexts and signatures of the messages nearest the anchor only up to the budget and one
   * message more (pageWithinBytes cuts there or before): 50 messages of a 1 MiB signature each are ~72 MiB.
   */
  async history(identity: Identity, request: MessagesRequest): Promise<Message[]> {
    // Read every time: a removed member reads nothing, a member added "from now" nothing before its add.
    const reader = await this.options.rights.requireReader(identity.profile.id, request.chat);
    if (request.id !== undefined && request.rel === undefined)
      throw new ApiError("InvalidSchema", "id needs rel: prev or next");
    // A catch-up with nothing new (most chats of a reconnecting client): the page would be empty.
    if (request.rel === "next" && request.id !== undefined && request.id >= (reader.last_message_id ?? 0))
      return [];
    const rows = await listHistoryPage(this.options.db, {
      chatId: request.chat,
      // The statement reads the membership again: a leave committed since the read above leaves it empty.
      readerId: identity.profile.id,
      anchor:
        request.id === undefined || !request.rel ? undefined : { id: request.id, direction: request.rel },
      filesOnly: request.type === "file",
      limit: HISTORY_PAGE_SIZE,
      maxBytes: this.options.maxPageBytes,
    });
    const page = rows.map((row) => messageView(row));
    return pageWithinBytes(
      page,
      this.options.maxPageBytes,
      request.rel === "next" && request.id !== undefined,
    );
  }

  /**
   * The `next` pages of a `resume` (each the page `history` answers for `{chat, id, rel: "next"}`, or its start),
   * in the requests' order, sharing one maxPageBytes budget: the first message of the first non-empty page is
   * always kept (a client paging on never stalls); a page cut by the budget, or with more than a page after the
   * id, says `more`. The caller reads the bounds before the socket joins the chats' rooms and calls this after
   * the join: a message committed before these reads is in its page, a later one reaches the socket live. The
   * statement reads the reader's (`profileId`) membership and bound again itself: a removal committed since
   * the caller's read (its leave order may still be on its way, through Redis) leaves the page empty.
   *
   * The pages are read CATCH_UP_CHATS_PER_READ chats to a statement (listCatchUpPages), one statement for a
   * typical client's chats; once the budget is spent the later chats are not read (they answer none and
   * `more`). A statement brings the ciphertexts and signatures of its messages only up to the budget left and
   * one message more (the rest are counted, for `more`): a message may carry a 1 MiB signature, and ten
   * chats' pages of those would be ~740 MiB for an 8 MiB answer.
   */
  async catchUpPages(profileId: number, requests: readonly CatchUpRequest[]): Promise<CatchUpPage[]> {
    let budget = this.options.maxPageBytes;
    let keptAny = false;
    const pages: CatchUpPage[] = [];
    for (let from = 0; from < requests.length; from += CATCH_UP_CHATS_PER_READ) {
      const chunk = requests.slice(from, from + CATCH_UP_CHATS_PER_READ);
      const spent = keptAny && budget <= 0;
      // One over the page size: whether more follow the page is known without another request. The statement
      // brings the fields of no more messages than the budget left takes, and one more.
      const read = spent
        ? new Map<string, CatchUpRead>()
        : await listCatchUpPages(
            this.options.db,
            profileId,
            chunk.map(({ chat, id, visibleAfter }) => ({
              chatId: chat,
              afterId: Math.max(id, visibleAfter),
            })),
            HISTORY_PAGE_SIZE + 1,
            budget,
          );
      for (const { chat } of chunk) {
        const { messages: rows, found } = read.get(chat) ?? { messages: [], found: 0 };
        if (keptAny && budget <= 0) {
          // Unread (the budget was spent before this statement): more, to be paged; read: more if it has any.
          pages.push({ chat, messages: [], more: spent || found > 0 });
          continue;
        }
        const page = rows.slice(0, HISTORY_PAGE_SIZE).map((row) => messageView(row));
        const { kept, bytes } = prefixWithinBytes(page, budget, !keptAny);
        budget -= bytes;
        if (kept > 0) keptAny = true;
        // A page cut at the budget, here or by the statement, ends the filling: the chats after it answer none.
        if (kept < page.length || rows.length < found) budget = 0;
        pages.push({ chat, messages: page.slice(0, kept), more: found > kept });
      }
    }
    return pages;
  }

  private async deleteBlob(fileId: string): Promise<void> {
    try {
      await this.options.blobs.delete(fileId);
    } catch (error) {
      this.options.logger.error({ err: error, fileId }, "could not remove the blob of a failed message");
    }
  }
}
