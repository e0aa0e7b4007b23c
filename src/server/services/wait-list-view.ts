import { encodeBase64 } from "../../protocol/base64.ts";
import type { ChatWaitListEvent } from "../../protocol/events.ts";
import { ChatType } from "../../protocol/schemas/chats.ts";
import type { ChatMember, ChatMembersData, ChatRole, WaitEntry } from "../../protocol/schemas/members.ts";
import { type CertificateRow, listCertificatesOfProfiles } from "../storage/repositories/certificates.ts";
import { listRefusals, type RefusalOfMember } from "../storage/repositories/chat-key-refusals.ts";
import { listWaits } from "../storage/repositories/chat-key-waits.ts";
import { type KeyHolder, listCurrentKeyHolders } from "../storage/repositories/chat-keys.ts";
import { findChatById, listMembers, listStaffAndProfile, MemberRole } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { listProfilesWithPhones } from "../storage/repositories/profiles.ts";
import { threePartName } from "./full-name.ts";

/** A certificate keys may be wrapped for: not expired, not revoked. */
export function isCurrent(
  certificate: Pick<CertificateRow, "not_after" | "revoked_at">,
  now: number,
): boolean {
  return certificate.not_after > now && certificate.revoked_at === null;
}

/**
 * Whether a wrapper whose certificate has key-agreement group `wrapper` can wrap for a recipient in group
 * `recipient`: anyone can for a standard key (null); GOST static VKO needs the same algorithm and curve (D9).
 */
export function canWrap(wrapper: string | null, recipient: string | null): boolean {
  return recipient === null || wrapper === recipient;
}

/**
 * Whether a member with `role` sees every member of a chat of `chatType` (members and wait list). In a channel a
 * subscriber sees only the owner, the admins and itself: subscribers' phones and certificates stay private.
 */
export function seesEveryone(chatType: number, role: number): boolean {
  return chatType !== ChatType.channel || role >= MemberRole.admin;
}

/** A member role as the wire spells it. */
export function roleName(role: number): ChatRole {
  if (role === MemberRole.owner) return "owner";
  return role === MemberRole.admin ? "admin" : "member";
}

function base64(bytes: Uint8Array): string {
  return encodeBase64(new Uint8Array(bytes));
}

/**
 * The wait lists of the given chats (chats nobody waits in are absent): each entry says which group a wrapper
 * needs (`wrapWith`) and whether a current key holder has it (`fulfillable`). As profile `viewer` may see them
 * (seesEveryone). Costs two queries, plus one per chat that has waits (its key holders).
 */
export async function waitListsOf(
  db: Executor,
  chatIds: readonly string[],
  now: number,
  viewer: number,
): Promise<Map<string, WaitEntry[]>> {
  const [all, visible] = await Promise.all([
    listWaits(db, chatIds, now),
    listStaffAndProfile(db, chatIds, viewer),
  ]);
  const shown = new Set(visible.map((member) => `${member.chat_id}:${member.profile_id}`));
  const limited = new Set(
    visible
      .filter((member) => member.profile_id === viewer && !seesEveryone(member.chat_type, member.role))
      .map((member) => member.chat_id),
  );
  const waits = all.filter(
    (wait) => !limited.has(wait.chat_id) || shown.has(`${wait.chat_id}:${wait.profile_id}`),
  );
  const lists = new Map<string, WaitEntry[]>();
  const holdersOf = new Map<string, KeyHolder[]>();
  for (const chatId of new Set(waits.map((wait) => wait.chat_id))) {
    const holders = await listCurrentKeyHolders(db, chatId);
    holdersOf.set(
      chatId,
      holders.filter((holder) => isCurrent(holder, now)),
    );
  }
  const refusals = await listRefusals(db, [...holdersOf.keys()]);
  for (const wait of waits) {
    const holders = holdersOf.get(wait.chat_id) ?? [];
    const list = lists.get(wait.chat_id) ?? [];
    list.push({
      pid: wait.profile_id,
      cid: wait.certificate_id,
      cert: base64(wait.der),
      since: Math.floor(wait.since / 1000),
      keyIds: wait.missing_key_ids,
      wrapWith: wait.key_agreement,
      fulfillable: holders.some((holder) => canWrap(holder.key_agreement, wait.key_agreement)),
      refused: uniqueRefusals(
        refusals.filter(
          (refusal) =>
            refusal.chat_id === wait.chat_id &&
            refusal.certificate_id === wait.certificate_id &&
            // A channel subscriber learns no other subscriber from a refusal either.
            (!limited.has(wait.chat_id) || shown.has(`${wait.chat_id}:${refusal.wrapped_by_profile_id}`)),
        ),
      ),
    });
    lists.set(wait.chat_id, list);
  }
  return lists;
}

/** One `{keyId, pid}` per epoch and member (a member may have had rows of several certificates refused). */
function uniqueRefusals(refusals: readonly RefusalOfMember[]): { keyId: number; pid: number }[] {
  const seen = new Map<string, { keyId: number; pid: number }>();
  for (const refusal of refusals)
    seen.set(`${refusal.key_id}/${refusal.wrapped_by_profile_id}`, {
      keyId: refusal.key_id,
      pid: refusal.wrapped_by_profile_id,
    });
  return [...seen.values()];
}

/** One `chatWaitList` and the members it goes to. */
export interface WaitListDelivery {
  memberIds: number[];
  event: ChatWaitListEvent;
}

/**
 * `chatWaitList` for one chat: the whole list to everyone, except that in a channel each subscriber gets only
 * the entries of the owner, the admins and its own (seesEveryone).
 */
export async function waitListEvents(db: Executor, chatId: string, now: number): Promise<WaitListDelivery[]> {
  const [chat, members] = await Promise.all([findChatById(db, chatId), listMembers(db, chatId)]);
  // As the owner sees it: the whole list.
  const full = (await waitListsOf(db, [chatId], now, chat?.owner_profile_id ?? 0)).get(chatId) ?? [];
  const keyId = chat?.key_id ?? 1;
  const chatType = chat?.type ?? ChatType.group;
  const everyone = members.filter((member) => seesEveryone(chatType, member.role));
  const deliveries: WaitListDelivery[] = [
    { memberIds: everyone.map((member) => member.profile_id), event: { chatId, keyId, waitList: full } },
  ];
  const subscribers = members.filter((member) => !seesEveryone(chatType, member.role));
  if (subscribers.length === 0) return deliveries;
  const staff = new Set(everyone.map((member) => member.profile_id));
  const common = full.filter((entry) => staff.has(entry.pid));
  const waiting = new Set(full.map((entry) => entry.pid));
  const plain = subscribers.filter((member) => !waiting.has(member.profile_id));
  if (plain.length > 0)
    deliveries.push({
      memberIds: plain.map((member) => member.profile_id),
      event: { chatId, keyId, waitList: common },
    });
  for (const member of subscribers.filter((one) => waiting.has(one.profile_id))) {
    const own = full.filter((entry) => entry.pid === member.profile_id);
    deliveries.push({
      memberIds: [member.profile_id],
      event: { chatId, keyId, waitList: [...common, ...own] },
    });
  }
  return deliveries;
}

/**
 * `chatMembers`' answer as member `viewer` may see it (seesEveryone): members (owner, admins, members) with
 * person fields as contacts show them, their current certificates with whether each holds the current key,
 * the epoch, version and wait list.
 */
export async function chatMembersData(
  db: Executor,
  chatId: string,
  now: number,
  viewer: number,
): Promise<ChatMembersData> {
  const [chat, everyone, holders, lists] = await Promise.all([
    findChatById(db, chatId),
    listMembers(db, chatId),
    listCurrentKeyHolders(db, chatId),
    waitListsOf(db, [chatId], now, viewer),
  ]);
  if (!chat) throw new Error(`chat ${chatId} vanished`);
  const role = everyone.find((member) => member.profile_id === viewer)?.role ?? MemberRole.member;
  const members = seesEveryone(chat.type, role)
    ? everyone
    : everyone.filter((member) => member.role >= MemberRole.admin || member.profile_id === viewer);
  const memberIds = members.map((member) => member.profile_id);
  const [profiles, certificates] = await Promise.all([
    listProfilesWithPhones(db, memberIds),
    listCertificatesOfProfiles(db, memberIds),
  ]);
  const profileById = new Map(profiles.map((profile) => [profile.id, profile]));
  const holding = new Set(holders.map((holder) => holder.certificate_id));
  const view: ChatMember[] = members.flatMap((member) => {
    const profile = profileById.get(member.profile_id);
    // Every member has a confirmed phone (createChat and addMembers require one).
    if (!profile || profile.user_id === null || profile.phone === null) return [];
    return [
      {
        pid: profile.id,
        uid: profile.user_id,
        user: threePartName(profile.name),
        name: profile.company ?? threePartName(profile.name),
        title: profile.title,
        phone: profile.phone,
        photo: profile.photo,
        type: profile.type,
        role: roleName(member.role),
        joined: Math.floor(member.joined_at / 1000),
        certificates: certificates
          .filter((row) => row.profile_id === profile.id && isCurrent(row, now))
          .map((row) => ({ id: row.id, cert: base64(row.der), hasKey: holding.has(row.id) })),
      },
    ];
  });
  return {
    chatId,
    chatType: chat.type,
    keyId: chat.key_id,
    version: chat.version,
    rotationDue: chat.rotation_due === 1,
    members: view,
    waitList: lists.get(chatId) ?? [],
  };
}
