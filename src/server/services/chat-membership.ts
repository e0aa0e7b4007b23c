import type { Logger } from "pino";
import { ApiError } from "../../protocol/errors.ts";
import type {
  AddMembersRequest,
  ChatMembersData,
  ChatRole,
  LeaveChatRequest,
  LeftChat,
  RemoveMemberRequest,
  RotateKeyRequest,
  SetRoleRequest,
} from "../../protocol/schemas/members.ts";
import { recordAuditEvent } from "../storage/repositories/audit.ts";
import { advanceEpoch } from "../storage/repositories/chat-key-epochs.ts";
import { deleteWaitsOfProfile, insertWaits } from "../storage/repositories/chat-key-waits.ts";
import {
  deleteKeysOfProfile,
  insertChatKeys,
  listCurrentKeyHolders,
  listEpochKeysForCertificate,
} from "../storage/repositories/chat-keys.ts";
import {
  deleteMember,
  findChatById,
  findMemberView,
  insertChatMembers,
  type LockedChat,
  listMembers,
  lockChat,
  MemberRole,
  setChatOwner,
  setMemberRole,
  setRotationDue,
} from "../storage/repositories/chats.ts";
import { retryOnDeadlock } from "../storage/repositories/constraint-errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { lastMessageId } from "../storage/repositories/messages.ts";
import { requireAllowed, requireMembership } from "./chat-access.ts";
import type { ChatEvents } from "./chat-events.ts";
import {
  certificatesOf,
  checkOwnership,
  checkWrappable,
  decodeKey,
  endWaits,
  keyRows,
  keysAddedEvents,
  uncovered,
  waitRows,
  wrapperOf,
} from "./chat-keys.ts";
import type { Clock } from "./clock.ts";
import type { ContactLookupLimit } from "./contacts.ts";
import { decodeCommitment } from "./epoch-commitment.ts";
import { admitNamedProfiles } from "./named-profiles.ts";
import type { Identity } from "./sessions.ts";
import { canWrap, chatMembersData, isCurrent, roleName, waitListEvents } from "./wait-list-view.ts";

export interface ChatMembershipOptions {
  db: Executor;
  clock: Clock;
  events: ChatEvents;
  logger: Logger;
  /**
   * Resolves once every message insert taken so far has been answered (MessageWriter.settled): a change is
   * announced after the messages committed before it (docs/DECISIONS.md §3).
   */
  messagesSettled: () => Promise<void>;
  /** The daily lookup quota the phones of new members named by id count against (named-profiles.ts). */
  lookups: ContactLookupLimit;
}

/** What a committed change announces; published after commit. */
interface Announcement {
  chatId: string;
  publish(events: ChatEvents): void;
  /** Whether members get the wait list again. */
  waitList: boolean;
}

const ROLE_OF_NAME: Record<ChatRole, number> = {
  member: MemberRole.member,
  admin: MemberRole.admin,
  owner: MemberRole.owner,
};

/**
 * Membership changes of a chat (§4.1–§4.3): add, remove (with a key rotation), leave, roles and rotation.
 * Every change runs in one transaction whose first statement locks the chat row (lockChat), so no other
 * change of the chat and no message insert interleaves; events go out after commit.
 */
export class ChatMembershipService {
  constructor(private readonly options: ChatMembershipOptions) {}

  /** `chatMembers`: members with roles and key status, the epoch, version and wait list. */
  async members(identity: Identity, chatId: string): Promise<ChatMembersData> {
    await requireMembership(this.options.db, chatId, identity.profile.id);
    return chatMembersData(this.options.db, chatId, this.options.clock(), identity.profile.id);
  }

  /**
   * `addMembers`: new members with their current-epoch keys (and older epochs with history "all"). A new
   * member's certificate the caller's certificate cannot wrap for goes on the wait list.
   */
  async add(identity: Identity, request: AddMembersRequest): Promise<ChatMembersData> {
    const me = identity.profile.id;
    const now = this.options.clock();
    const keys = request.keys.map((key) => decodeKey(key, key.keyId));
    const newIds = [...new Set(keys.map((key) => key.pid))];
    const { db, lookups } = this.options;
    // Read once, before the transaction (the quota is admitted outside it: no Redis call under a write lock), and
    // checked inside it. Race-free: a registered profile is never deleted (only placeholders without a phone are)
    // and never loses its phone binding (user_id is only ever set), so what this read says of one still holds in
    // the transaction; one read missing or unregistered is refused, as a moment earlier it would have been.
    const profiles = await admitNamedProfiles(db, lookups, identity, newIds);
    const result = await this.change(request.chat, async (trx, chat) => {
      const actor = await requireMembership(trx, request.chat, me);
      requireAllowed(actor, { kind: "add" });
      if (request.keyId !== chat.key_id) throw new ApiError("ChatKeyOutdated", "the chat's key changed");
      for (const pid of newIds) {
        if (await findMemberView(trx, request.chat, pid))
          throw new ApiError("CreateChatError", `profile ${pid} is already a member`);
      }
      if (profiles.length !== newIds.length)
        throw new ApiError("CreateChatKeysError", "a key names an unknown profile");
      if (profiles.some((profile) => profile.user_id === null))
        throw new ApiError("CreateChatError", "a new member has no confirmed phone");
      const certificates = await certificatesOf(trx, newIds);
      checkOwnership(keys, certificates);
      const wrapper = await wrapperOf(trx, identity);
      checkWrappable(keys, certificates, wrapper);
      const held = new Set(
        (await listEpochKeysForCertificate(trx, request.chat, wrapper.id)).map((row) => row.key_id),
      );
      for (const key of keys) {
        const certificate = certificates.get(key.cid);
        if (!certificate || !isCurrent(certificate, now))
          throw new ApiError("CreateChatKeysError", `certificate ${key.cid} expired or revoked`);
        if (key.keyId > chat.key_id || !held.has(key.keyId))
          throw new ApiError(
            "CreateChatKeysError",
            `the session certificate holds no key of epoch ${key.keyId}`,
          );
        if (request.history === "now" && key.keyId !== chat.key_id)
          throw new ApiError("CreateChatKeysError", `history "now" takes keys of epoch ${chat.key_id} only`);
      }
      const currentKeys = keys.filter((key) => key.keyId === chat.key_id);
      const waiting = uncovered(certificates.values(), new Set(newIds), currentKeys, wrapper, now, "require");
      const visibleAfter = request.history === "now" ? await lastMessageId(trx, request.chat) : 0;
      await insertChatMembers(
        trx,
        newIds.map((pid) => ({
          chat_id: request.chat,
          profile_id: pid,
          role: MemberRole.member,
          joined_at: now,
          visible_after_message_id: visibleAfter,
          first_key_id: request.history === "now" ? chat.key_id : 1,
          added_by_profile_id: me,
        })),
      );
      await insertChatKeys(trx, keyRows(request.chat, keys, wrapper, now));
      await insertWaits(trx, waitRows(request.chat, waiting, now));
      for (const pid of newIds)
        await recordAuditEvent(
          trx,
          {
            type: "chat.member.added",
            actor: `profile:${me}`,
            profileId: pid,
            chatId: request.chat,
            details: { history: request.history },
          },
          now,
        );
      const chatName = (await findChatById(trx, request.chat))?.name ?? null;
      const added = {
        chatId: request.chat,
        chatType: chat.type,
        chatName,
        role: "member" as const,
        keyId: chat.key_id,
        by: me,
      };
      return {
        chatId: request.chat,
        waitList: waiting.length > 0,
        publish: (events: ChatEvents) => {
          events.added(request.chat, newIds, added);
          events.keysAdded(request.chat, keysAddedEvents(request.chat, chat.key_id, keys));
        },
      };
    });
    return this.publishAfter(result, me, now);
  }

  /** `removeMember`: the member, its keys and waits go; the chat moves to epoch keyId + 1 with the posted keys. */
  async remove(identity: Identity, request: RemoveMemberRequest): Promise<ChatMembersData> {
    const me = identity.profile.id;
    const now = this.options.clock();
    const result = await this.change(request.chat, async (trx, chat) => {
      const actor = await requireMembership(trx, request.chat, me);
      const target = request.pid === me ? actor : await findMemberView(trx, request.chat, request.pid);
      requireAllowed(actor, {
        kind: "remove",
        target: target && { self: request.pid === me, role: target.role },
      });
      outdatedUnless(chat, request);
      await deleteMember(trx, request.chat, request.pid);
      await deleteKeysOfProfile(trx, request.chat, request.pid);
      await deleteWaitsOfProfile(trx, request.chat, request.pid);
      const rotated = await this.rotateIn(trx, identity, request, chat, "remove", now);
      await recordAuditEvent(
        trx,
        {
          type: "chat.member.removed",
          actor: `profile:${me}`,
          profileId: request.pid,
          chatId: request.chat,
          details: { keyId: rotated.keyId },
        },
        now,
      );
      return {
        chatId: request.chat,
        waitList: true,
        publish: (events: ChatEvents) => {
          events.removed(request.chat, request.pid, { chatId: request.chat, reason: "removed", by: me });
          rotated.publish(events);
        },
      };
    });
    return this.publishAfter(result, me, now);
  }

  /** `rotateKey`: a new epoch with the posted keys (owner, admins; members only while rotationDue). */
  async rotate(identity: Identity, request: RotateKeyRequest): Promise<ChatMembersData> {
    const me = identity.profile.id;
    const now = this.options.clock();
    const result = await this.change(request.chat, async (trx, chat) => {
      const actor = await requireMembership(trx, request.chat, me);
      requireAllowed(actor, { kind: "rotate", rotationDue: Boolean(chat.rotation_due) });
      outdatedUnless(chat, request);
      const rotated = await this.rotateIn(trx, identity, request, chat, "rotate", now);
      return { chatId: request.chat, waitList: true, publish: rotated.publish };
    });
    return this.publishAfter(result, me, now);
  }

  /** `leaveChat`: the caller's membership, keys and waits go; the next member client rotates (rotationDue). */
  async leave(identity: Identity, request: LeaveChatRequest): Promise<LeftChat> {
    const me = identity.profile.id;
    const now = this.options.clock();
    const result = await this.change(request.chat, async (trx) => {
      const actor = await requireMembership(trx, request.chat, me);
      requireAllowed(actor, { kind: "leave" });
      await deleteMember(trx, request.chat, me);
      await deleteKeysOfProfile(trx, request.chat, me);
      const waited = await deleteWaitsOfProfile(trx, request.chat, me);
      await setRotationDue(trx, request.chat, true);
      await recordAuditEvent(
        trx,
        { type: "chat.member.left", actor: `profile:${me}`, profileId: me, chatId: request.chat },
        now,
      );
      return {
        chatId: request.chat,
        // The leaver's certificates no longer wait: the others' lists shrink.
        waitList: waited,
        publish: (events: ChatEvents) =>
          events.removed(request.chat, me, { chatId: request.chat, reason: "left", by: me }),
      };
    });
    await this.publishAfter(result, me, now);
    return { chatId: request.chat };
  }

  /** `setRole`: the owner promotes or demotes an admin, or hands ownership over (becoming an admin). */
  async setRole(identity: Identity, request: SetRoleRequest): Promise<ChatMembersData> {
    const me = identity.profile.id;
    const now = this.options.clock();
    const result = await this.change(request.chat, async (trx) => {
      const actor = await requireMembership(trx, request.chat, me);
      const target = request.pid === me ? actor : await findMemberView(trx, request.chat, request.pid);
      requireAllowed(actor, {
        kind: "setRole",
        target: target && { self: request.pid === me, role: target.role },
      });
      const role = ROLE_OF_NAME[request.role];
      if (role === MemberRole.owner) {
        // One owner at a time (a partial unique index): the caller steps down first.
        await setMemberRole(trx, request.chat, me, MemberRole.admin);
        await setChatOwner(trx, request.chat, request.pid);
      }
      await setMemberRole(trx, request.chat, request.pid, role);
      await recordAuditEvent(
        trx,
        {
          type: "chat.member.role",
          actor: `profile:${me}`,
          profileId: request.pid,
          chatId: request.chat,
          details: { role: roleName(role) },
        },
        now,
      );
      return { chatId: request.chat, waitList: false, publish: () => {} };
    });
    return this.publishAfter(result, me, now);
  }

  /**
   * A rotation inside a change (§4.3): checks the key set against the remaining members, moves the chat to
   * epoch key_id + 1, stores the keys and rebuilds the wait list of that epoch.
   */
  private async rotateIn(
    trx: Executor,
    identity: Identity,
    request: RotateKeyRequest,
    chat: LockedChat,
    reason: "remove" | "rotate",
    now: number,
  ): Promise<{ keyId: number; publish(events: ChatEvents): void }> {
    const chatId = request.chat;
    const keyId = chat.key_id + 1;
    const keys = request.keys.map((key) => decodeKey(key, keyId));
    const commitment = decodeCommitment(request.commitment, identity.session.certificate_id);
    const members = await listMembers(trx, chatId);
    const memberIds = new Set(members.map((member) => member.profile_id));
    for (const key of keys) {
      if (!memberIds.has(key.pid))
        throw new ApiError("CreateChatKeysError", `profile ${key.pid} is not a remaining member`);
    }
    const certificates = await certificatesOf(trx, [...memberIds]);
    checkOwnership(keys, certificates);
    const wrapper = await wrapperOf(trx, identity);
    checkWrappable(keys, certificates, wrapper);
    const holders = new Set((await listCurrentKeyHolders(trx, chatId)).map((row) => row.certificate_id));
    for (const key of keys) {
      const certificate = certificates.get(key.cid);
      if (!certificate || !isCurrent(certificate, now))
        throw new ApiError("CreateChatKeysError", `certificate ${key.cid} expired or revoked`);
    }
    // Holders of the current key the caller can wrap for must get the new one; everyone else may wait.
    const required = [...certificates.values()].filter(
      (certificate) =>
        holders.has(certificate.id) &&
        isCurrent(certificate, now) &&
        canWrap(wrapper.key_agreement, certificate.key_agreement),
    );
    const covered = new Set(keys.map((key) => key.cid));
    const missing = required.filter((certificate) => !covered.has(certificate.id));
    if (missing.length > 0)
      throw new ApiError("CreateChatKeysError", `no key for certificates ${missing.map((row) => row.id)}`);
    const waiting = uncovered(certificates.values(), memberIds, keys, wrapper, now, "wait");

    await advanceEpoch(trx, {
      chatId,
      keyId,
      afterMessageId: await lastMessageId(trx, chatId),
      by: identity.profile.id,
      reason,
      now,
      ...(commitment ? { commitment } : {}),
    });
    await insertChatKeys(trx, keyRows(chatId, keys, wrapper, now));
    await endWaits(trx, chatId, [...covered], [...covered], now);
    await insertWaits(trx, waitRows(chatId, waiting, now));
    await recordAuditEvent(
      trx,
      {
        type: "chat.key.rotated",
        actor: `profile:${identity.profile.id}`,
        chatId,
        details: { keyId, reason },
      },
      now,
    );
    return {
      keyId,
      publish: (events) => events.keysAdded(chatId, keysAddedEvents(chatId, keyId, keys)),
    };
  }

  /**
   * Runs `body` in a transaction that first locks the chat (GetChatsError for an unknown chat); a PostgreSQL
   * deadlock abort runs it again.
   */
  private change<T>(chatId: string, body: (trx: Executor, chat: LockedChat) => Promise<T>): Promise<T> {
    return retryOnDeadlock(() =>
      this.options.db.transaction().execute(async (trx) => {
        const chat = await lockChat(trx, chatId);
        if (!chat) throw new ApiError("GetChatsError", "unknown chat or not a member");
        return body(trx, chat);
      }),
    );
  }

  /** chatChanged (and chatWaitList) to the members, after the change's own events; returns the actor's view. */
  private async publishAfter(change: Announcement, actor: number, now: number): Promise<ChatMembersData> {
    const { db, events, logger, messagesSettled } = this.options;
    // Messages committed before this change (on the writer's connection) may not have been answered yet: wait
    // for their answers, then a turn, by which each has been announced and holds its place in the emission
    // order — a removed member then still gets them, and a rotation's chatChanged comes after them.
    await messagesSettled();
    await new Promise((resolve) => setImmediate(resolve));
    const [data, members] = await Promise.all([
      chatMembersData(db, change.chatId, now, actor),
      listMembers(db, change.chatId),
    ]);
    try {
      change.publish(events);
      const memberIds = members.map((member) => member.profile_id);
      events.changed(change.chatId, memberIds, {
        chatId: change.chatId,
        keyId: data.keyId,
        version: data.version,
        rotationDue: data.rotationDue,
      });
      if (change.waitList) {
        for (const delivery of await waitListEvents(db, change.chatId, now))
          events.waitListChanged(change.chatId, delivery.memberIds, delivery.event);
      }
    } catch (error) {
      // Live delivery is best effort: clients catch up with `contacts` / `chatMembers`.
      logger.error({ err: error, chatId: change.chatId }, "could not publish a membership change");
    }
    return data;
  }
}

/** A change built on an older epoch or member list is refused, so the client refreshes and rebuilds it. */
function outdatedUnless(chat: LockedChat, request: { keyId: number; version: number }): void {
  // lockChat has bumped the version already: the request was built on the one before.
  if (request.keyId !== chat.key_id || request.version !== chat.version - 1)
    throw new ApiError("ChatKeyOutdated", "the chat's key or members changed");
}
