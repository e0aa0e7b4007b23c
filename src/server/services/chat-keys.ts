import type { Logger } from "pino";
import { decodeBase64, encodeBase64 } from "../../protocol/base64.ts";
import { ApiError } from "../../protocol/errors.ts";
import type { ChatKeysAddedEvent } from "../../protocol/events.ts";
import type {
  ChatKeyRow,
  ChatsKeysRequest,
  KeysRequest,
  RefusedKeyRows,
  RefuseKeysRequest,
  StoredKeyRows,
} from "../../protocol/schemas/members.ts";
import { recordAuditEvent } from "../storage/repositories/audit.ts";
import {
  type CertificateRow,
  findCertificateById,
  listCertificatesOfProfiles,
} from "../storage/repositories/certificates.ts";
import { listEpochs } from "../storage/repositories/chat-key-epochs.ts";
import {
  listRefusals,
  type RefusalOfMember,
  refuseKeyRows,
} from "../storage/repositories/chat-key-refusals.ts";
import { deleteWaits, insertWaits, listWaits } from "../storage/repositories/chat-key-waits.ts";
import { insertChatKeysIfAbsent, listEpochKeysForCertificate } from "../storage/repositories/chat-keys.ts";
import { bumpChatVersion, findMemberView, lockChats, MemberRole } from "../storage/repositories/chats.ts";
import { retryOnDeadlock } from "../storage/repositories/constraint-errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { requireMembership } from "./chat-access.ts";
import type { ChatEvents } from "./chat-events.ts";
import type { Clock } from "./clock.ts";
import { commitmentView } from "./epoch-commitment.ts";
import type { Identity } from "./sessions.ts";
import { canWrap, isCurrent, seesEveryone, waitListEvents } from "./wait-list-view.ts";

/** The chat a fulfilment's rows are for, and what the serving member may see of it. */
interface FulfilmentScope {
  chatId: string;
  currentKeyId: number;
  /** False for a channel subscriber: it sees (and serves) only the owner, the admins and itself. */
  seesEveryone: boolean;
  me: number;
}

/** A wrapped key of a request, decoded: for certificate `cid` of profile `pid`, epoch `keyId`. */
export interface DecodedKey {
  pid: number;
  cid: number;
  keyId: number;
  key: Uint8Array;
  sign: string | null;
}

/**
 * Decodes a request's wrapped key (InvalidSchema for bad base64, as createChat answers). The sign is stored as
 * sent, so it is checked here too: a client would otherwise refuse the row every member then reads.
 */
export function decodeKey(
  key: { pid: number; cid: number; key: string; sign?: string | null },
  keyId: number,
): DecodedKey {
  const bytes = decodeBase64(key.key);
  if (!bytes || bytes.length === 0) throw new ApiError("InvalidSchema", "a key is not base64");
  if (key.sign && !decodeBase64(key.sign)?.length)
    throw new ApiError("InvalidSchema", "a sign is not base64");
  return { pid: key.pid, cid: key.cid, keyId, key: bytes, sign: key.sign || null };
}

/** The session certificate, which wraps every key a request posts. */
export async function wrapperOf(db: Executor, identity: Identity): Promise<CertificateRow> {
  const certificate = await findCertificateById(db, identity.session.certificate_id);
  if (!certificate) throw new Error(`session certificate ${identity.session.certificate_id} vanished`);
  return certificate;
}

/** Refuses two keys for one (certificate, epoch) and a key for a certificate not of its profile. */
/**
 * Ends the waits of certificates that just got keys: those given the current epoch's key (`current`), and those
 * given any (`served`) that now lack nothing they may read. Not a certificate still lacking an epoch whose row it
 * refused (refuseKeys): that epoch must be served again, and only a waiting certificate is served. Returns how
 * many waits ended.
 */
export async function endWaits(
  trx: Executor,
  chatId: string,
  current: readonly number[],
  served: readonly number[],
  now: number,
): Promise<number> {
  if (served.length === 0 && current.length === 0) return 0;
  const [waits, refusals] = await Promise.all([listWaits(trx, [chatId], now), listRefusals(trx, [chatId])]);
  const refused = new Set(refusals.map((refusal) => `${refusal.certificate_id}/${refusal.key_id}`));
  const candidates = new Set(current);
  for (const wait of waits) {
    const cid = wait.certificate_id;
    if (wait.missing_key_ids.some((keyId) => refused.has(`${cid}/${keyId}`))) candidates.delete(cid);
    else if (served.includes(cid) && wait.missing_key_ids.length === 0) candidates.add(cid);
  }
  return deleteWaits(trx, chatId, [...candidates]);
}

/** Storage rows of keys a certificate wrapped for a chat. */
export function keyRows(chatId: string, keys: readonly DecodedKey[], wrapper: CertificateRow, now: number) {
  return keys.map((key) => ({
    chat_id: chatId,
    key_id: key.keyId,
    profile_id: key.pid,
    certificate_id: key.cid,
    wrapped_by_certificate_id: wrapper.id,
    wrapped_key: key.key,
    sign: key.sign,
    created_at: now,
  }));
}

export function checkOwnership(keys: DecodedKey[], certificates: ReadonlyMap<number, CertificateRow>): void {
  const seen = new Set<string>();
  for (const key of keys) {
    if (certificates.get(key.cid)?.profile_id !== key.pid)
      throw new ApiError("CreateChatKeysError", `certificate ${key.cid} is not of profile ${key.pid}`);
    const slot = `${key.cid}:${key.keyId}`;
    if (seen.has(slot))
      throw new ApiError("CreateChatKeysError", `two keys for certificate ${key.cid}, epoch ${key.keyId}`);
    seen.add(slot);
  }
}

/**
 * Refuses a key for a certificate the wrapper's certificate cannot wrap for (a GOST key of another key-agreement
 * group: static VKO needs both keys on one curve, the wait list's `wrapWith`). Such a row cannot unwrap, yet it
 * would take its certificate off the wait list, so no member able to serve it would.
 */
export function checkWrappable(
  keys: readonly { cid: number }[],
  certificates: ReadonlyMap<number, CertificateRow>,
  wrapper: CertificateRow,
): void {
  for (const key of keys) {
    const certificate = certificates.get(key.cid);
    if (certificate && !canWrap(wrapper.key_agreement, certificate.key_agreement))
      throw new ApiError(
        "CreateChatKeysError",
        `the session certificate cannot wrap for certificate ${key.cid}`,
      );
  }
}

/**
 * Current certificates of `profiles` without a key among `keys`: the ones to put on the wait list. With
 * "require", a certificate the wrapper could have wrapped for must have a key (CreateChatKeysError).
 */
export function uncovered(
  certificates: Iterable<CertificateRow>,
  profiles: ReadonlySet<number>,
  keys: readonly { cid: number }[],
  wrapper: CertificateRow,
  now: number,
  mode: "require" | "wait",
): CertificateRow[] {
  const covered = new Set(keys.map((key) => key.cid));
  const left = [...certificates].filter(
    (row) => profiles.has(row.profile_id) && isCurrent(row, now) && !covered.has(row.id),
  );
  if (mode === "require") {
    const wrappable = left.filter((row) => canWrap(wrapper.key_agreement, row.key_agreement));
    if (wrappable.length > 0)
      throw new ApiError("CreateChatKeysError", `no key for certificates ${wrappable.map((row) => row.id)}`);
  }
  return left;
}

/** Wait-list rows for `certificates` in chat `chatId`, waiting since `now`. */
export function waitRows(chatId: string, certificates: readonly CertificateRow[], now: number) {
  return certificates.map((row) => ({
    chat_id: chatId,
    certificate_id: row.id,
    profile_id: row.profile_id,
    since: now,
  }));
}

/** Certificates of profiles by id. */
export async function certificatesOf(
  db: Executor,
  profileIds: number[],
): Promise<Map<number, CertificateRow>> {
  const rows = await listCertificatesOfProfiles(db, profileIds);
  return new Map(rows.map((row) => [row.id, row]));
}

/** `chatKeysAdded` per recipient profile: the (cid, keyId) pairs each one got. */
export function keysAddedEvents(
  chatId: string,
  currentKeyId: number,
  rows: readonly { pid: number; cid: number; keyId: number }[],
): Map<number, ChatKeysAddedEvent> {
  const byProfile = new Map<number, ChatKeysAddedEvent>();
  for (const row of rows) {
    const event = byProfile.get(row.pid) ?? { chatId, keyId: currentKeyId, keys: [] };
    event.keys.push({ cid: row.cid, keyId: row.keyId });
    byProfile.set(row.pid, event);
  }
  return byProfile;
}

function bytes(value: Uint8Array): string {
  return encodeBase64(new Uint8Array(value));
}

export interface ChatKeysServiceOptions {
  db: Executor;
  clock: Clock;
  events: ChatEvents;
  logger: Logger;
}

/** Per-epoch keys of the session certificate (`keys`) and wait-list fulfilment (`chatsKeys`). */
export class ChatKeysService {
  constructor(private readonly options: ChatKeysServiceOptions) {}

  /** The session certificate's keys of a chat, ascending keyId, never before the member's first epoch. */
  async keys(identity: Identity, request: KeysRequest): Promise<ChatKeyRow[]> {
    const { db } = this.options;
    const view = await requireMembership(db, request.chat, identity.profile.id);
    const rows = await listEpochKeysForCertificate(
      db,
      request.chat,
      identity.session.certificate_id,
      // Absent, null or []: every epoch.
      request.keyIds?.length ? request.keyIds : undefined,
    );
    return rows
      .filter((row) => row.key_id >= view.first_key_id)
      .sort((a, b) => a.key_id - b.key_id)
      .map((row) => ({
        keyId: row.key_id,
        id: row.id,
        key: bytes(row.wrapped_key),
        import: row.wrapped_by_profile_id === row.profile_id,
        cert: bytes(row.wrapped_by_der),
        sign: row.sign,
        wrappedBy: row.wrapped_by_certificate_id,
        commitment: commitmentView(row),
      }));
  }

  /**
   * Fulfilment (§4.3): keys wrapped by the session certificate for waiting certificates of current members.
   * One transaction; the named chats are locked in ascending id order, and a chat's version moves only when a
   * current-epoch key was stored (no-op or racing posts must not outdate a removal). Rows for a (chat, epoch, certificate)
   * that already has a key, or for a certificate no longer waiting, are skipped: several members racing to
   * serve one entry is normal.
   */
  async fulfil(identity: Identity, request: ChatsKeysRequest): Promise<StoredKeyRows> {
    const { db, clock } = this.options;
    const me = identity.profile.id;
    const now = clock();
    const byChat = new Map<string, ChatsKeysRequest["keys"]>();
    for (const row of request.keys) byChat.set(row.chatId, [...(byChat.get(row.chatId) ?? []), row]);
    const chatIds = [...byChat.keys()].sort();

    // Lock orders are kept, yet a PostgreSQL deadlock abort is retried rather than answered as an error.
    const transaction = () =>
      db.transaction().execute(async (trx) => {
        const stored: { chatId: string; keyId: number; stored: DecodedKey[]; waitsClosed: boolean }[] = [];
        const locked = await lockChats(trx, chatIds);
        if (locked.size !== chatIds.length)
          throw new ApiError("GetChatsError", "unknown chat or not a member");
        const wrapper = await wrapperOf(trx, identity);
        for (const chatId of chatIds) {
          const chat = locked.get(chatId);
          const rows = byChat.get(chatId);
          if (!chat || !rows) continue;
          const mine = await findMemberView(trx, chatId, me);
          if (!mine) throw new ApiError("GetChatsError", "unknown chat or not a member");
          const keys = rows.map((row) => decodeKey(row, row.keyId ?? chat.key_id));
          const refusals = await listRefusals(trx, [chatId]);
          const serves = {
            chatId,
            currentKeyId: chat.key_id,
            seesEveryone: seesEveryone(chat.type, mine.role),
            me,
          };
          const accepted = await this.checkFulfilment(trx, serves, wrapper, keys, refusals, now);
          const inserted = await insertChatKeysIfAbsent(trx, keyRows(chatId, accepted, wrapper, now));
          const storedKeys = accepted.filter((key) =>
            inserted.some((row) => row.certificate_id === key.cid && row.key_id === key.keyId),
          );
          const currentCids = storedKeys.filter((key) => key.keyId === chat.key_id).map((key) => key.cid);
          const closed = await endWaits(
            trx,
            chatId,
            currentCids,
            storedKeys.map((key) => key.cid),
            now,
          );
          // New current-epoch holders: a removal or rotation built before must now cover them too. Not for a
          // certificate that refused this epoch's row before: it held the key, or waited for it, when such a
          // change was built (so it is covered), and a member refusing its own row to be served again must
          // not outdate its own removal with each refill.
          const refusedBefore = new Set(
            refusals
              .filter((refusal) => refusal.key_id === chat.key_id)
              .map((refusal) => refusal.certificate_id),
          );
          if (currentCids.some((cid) => !refusedBefore.has(cid))) await bumpChatVersion(trx, chatId);
          stored.push({ chatId, keyId: chat.key_id, stored: storedKeys, waitsClosed: closed > 0 });
        }
        return stored;
      });
    const outcome = await retryOnDeadlock(transaction);

    for (const chat of outcome) {
      if (chat.stored.length === 0) continue;
      this.options.events.keysAdded(chat.chatId, keysAddedEvents(chat.chatId, chat.keyId, chat.stored));
      if (chat.waitsClosed) await this.publishWaitList(chat.chatId);
    }
    return outcome.flatMap((chat) =>
      chat.stored.map((key) => ({ chatId: chat.chatId, keyId: key.keyId, cid: key.cid })),
    );
  }

  /**
   * The rows of one chat that may be stored: refuses a foreign or expired cid, a recipient who is not a member,
   * an unknown epoch or one before the recipient's first, an epoch the poster's certificate does not hold, and
   * duplicates; leaves out rows for certificates not on the wait list.
   */
  private async checkFulfilment(
    trx: Executor,
    { chatId, currentKeyId, seesEveryone, me }: FulfilmentScope,
    wrapper: CertificateRow,
    keys: DecodedKey[],
    refusals: readonly RefusalOfMember[],
    now: number,
  ): Promise<DecodedKey[]> {
    const pids = [...new Set(keys.map((key) => key.pid))];
    const [certificates, epochs, held, waits] = await Promise.all([
      certificatesOf(trx, pids),
      listEpochs(trx, chatId),
      listEpochKeysForCertificate(trx, chatId, wrapper.id),
      listWaits(trx, [chatId], now),
    ]);
    checkOwnership(keys, certificates);
    checkWrappable(keys, certificates, wrapper);
    const firstKeyIds = new Map<number, number>();
    for (const pid of pids) {
      const view = await findMemberView(trx, chatId, pid);
      // A channel subscriber serves only whom it sees (the owner, admins, itself): another subscriber answers
      // as a non-member does, so the answer tells nothing of who subscribes and plants no row for them.
      const hidden = view && !seesEveryone && pid !== me && view.role < MemberRole.admin;
      if (!view || hidden) throw new ApiError("CreateChatKeysError", `profile ${pid} is not a member`);
      firstKeyIds.set(pid, view.first_key_id);
    }
    const known = new Set(epochs.map((epoch) => epoch.key_id));
    const holds = new Set(held.map((row) => row.key_id));
    const waiting = new Set(waits.map((wait) => wait.certificate_id));
    for (const key of keys) {
      const certificate = certificates.get(key.cid);
      if (!certificate || !isCurrent(certificate, now))
        throw new ApiError("CreateChatKeysError", `certificate ${key.cid} expired or revoked`);
      if (!known.has(key.keyId) || key.keyId > currentKeyId)
        throw new ApiError("CreateChatKeysError", `chat has no epoch ${key.keyId}`);
      if (key.keyId < (firstKeyIds.get(key.pid) ?? Number.POSITIVE_INFINITY))
        throw new ApiError("CreateChatKeysError", `epoch ${key.keyId} is before what ${key.pid} may read`);
      if (!holds.has(key.keyId))
        throw new ApiError(
          "CreateChatKeysError",
          `the session certificate holds no key of epoch ${key.keyId}`,
        );
    }
    // Refused per member, not per certificate: another certificate of the same profile gets no new try.
    const refused = new Set(
      refusals
        .filter((refusal) => refusal.wrapped_by_profile_id === wrapper.profile_id)
        .map((refusal) => `${refusal.key_id}/${refusal.certificate_id}`),
    );
    return keys.filter((key) => waiting.has(key.cid) && !refused.has(`${key.keyId}/${key.cid}`));
  }

  /**
   * The session certificate refuses its own rows of the given epochs (they did not unwrap, or their signature
   * did not verify: docs/CRYPTO.md "Refused key rows"): the rows are deleted, their wrappers recorded as refused
   * for those epochs, and the certificate waits again. Only its own rows: a member can never take away another's key.
   */
  async refuse(identity: Identity, request: RefuseKeysRequest): Promise<RefusedKeyRows> {
    const { db, clock } = this.options;
    const me = identity.profile.id;
    const certificateId = identity.session.certificate_id;
    const now = clock();
    const refused = await retryOnDeadlock(() =>
      db.transaction().execute(async (trx) => {
        // The chat row first, as every key change does: a concurrent fulfilment or rotation waits for us.
        if (
          !(await lockChats(trx, [request.chat])).has(request.chat) ||
          !(await findMemberView(trx, request.chat, me))
        )
          throw new ApiError("GetChatsError", "unknown chat or not a member");
        const rows = await refuseKeyRows(trx, request.chat, certificateId, [...new Set(request.keyIds)], now);
        if (rows.length === 0) return rows;
        await insertWaits(trx, [
          { chat_id: request.chat, certificate_id: certificateId, profile_id: me, since: now },
        ]);
        await recordAuditEvent(
          trx,
          {
            type: "chat.key.refused",
            actor: `profile:${me}`,
            profileId: me,
            certificateId,
            chatId: request.chat,
            details: { rows: rows.map((row) => [row.key_id, row.wrapped_by_certificate_id]) },
          },
          now,
        );
        return rows;
      }),
    );
    if (refused.length > 0) await this.publishWaitList(request.chat);
    return refused.map((row) => ({ keyId: row.key_id, wrappedBy: row.wrapped_by_certificate_id }));
  }

  private async publishWaitList(chatId: string): Promise<void> {
    try {
      for (const { memberIds, event } of await waitListEvents(this.options.db, chatId, this.options.clock()))
        this.options.events.waitListChanged(chatId, memberIds, event);
    } catch (error) {
      // Live delivery is best effort: members catch up with `contacts` / `chatMembers`.
      this.options.logger.error({ err: error, chatId }, "could not publish a wait list");
    }
  }
}
