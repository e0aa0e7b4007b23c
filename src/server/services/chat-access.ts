import { ApiError, type ErrorCode } from "../../protocol/errors.ts";
import { ChatType } from "../../protocol/schemas/chats.ts";
import {
  findMemberView,
  findReaderView,
  MemberRole,
  type MemberView,
  type ReaderView,
} from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";

/** The caller's membership as every check reads it: its role in a chat of a type. */
export interface Membership {
  chat_type: number;
  role: number;
}

export type { MemberView, ReaderView };

/**
 * The caller's membership in a chat, read from the database every time (memberships are removed, so no
 * answer is cached for reads). An unknown chat and a chat the caller is not in answer the same GetChatsError,
 * so a token learns nothing about chats outside its profile.
 */
export async function requireMembership(
  db: Executor,
  chatId: string,
  profileId: number,
): Promise<MemberView> {
  const view = await findMemberView(db, chatId, profileId);
  if (!view) throw new ApiError("GetChatsError", "unknown chat or not a member");
  return view;
}

/** The reader's history bound and the chat's last id, read now; GetChatsError as requireMembership. */
export async function requireReader(db: Executor, chatId: string, profileId: number): Promise<ReaderView> {
  const view = await findReaderView(db, chatId, profileId);
  if (!view) throw new ApiError("GetChatsError", "unknown chat or not a member");
  return view;
}

/** A member of the chat other than the caller, as the rules see it (undefined: not a member). */
export interface Target {
  self: boolean;
  role: number;
}

/** What a caller asks to do (docs/design/key-epochs-and-membership.md §4.1). */
export type MemberAction =
  | { kind: "post" }
  | { kind: "add" }
  | { kind: "remove"; target: Target | undefined }
  | { kind: "leave" }
  | { kind: "setRole"; target: Target | undefined }
  | { kind: "rotate"; rotationDue: boolean };

export interface Refusal {
  code: ErrorCode;
  reason: string;
}

function refused(code: ErrorCode, reason: string): Refusal {
  return { code, reason };
}

/**
 * Who may do what (§4.1), as a pure function: the refusal of `action` by a member with `membership`, or
 * undefined when it is allowed. GetChatsError when the caller's role does not allow it (as for a non-member);
 * CreateChatError when the chat's structure does not (personal chats keep their two members, an owner hands
 * ownership over before leaving, the caller is not its own target).
 */
export function refusalOf(membership: Membership, action: MemberAction): Refusal | undefined {
  const personal = membership.chat_type === ChatType.personal;
  const { role } = membership;
  switch (action.kind) {
    case "post":
      return mayPost(membership)
        ? undefined
        : refused("GetChatsError", "only the owner and admins post in a channel");
    case "rotate":
      if (personal || role >= MemberRole.admin) return undefined;
      // A channel subscriber must not pick every subscriber's next key: it rotates never, a group member
      // only after someone left.
      if (membership.chat_type === ChatType.channel)
        return refused("GetChatsError", "only the owner and admins rotate a channel's key");
      if (action.rotationDue) return undefined;
      return refused("GetChatsError", "a member rotates the key only after someone left");
    case "add":
      if (personal) return refused("CreateChatError", "a personal chat keeps its two members");
      if (role < MemberRole.admin) return refused("GetChatsError", "only the owner and admins add members");
      return undefined;
    case "leave":
      if (personal) return refused("CreateChatError", "a personal chat cannot be left");
      if (role === MemberRole.owner)
        return refused("CreateChatError", "the owner hands ownership over before leaving");
      return undefined;
    case "remove":
      if (personal) return refused("CreateChatError", "a personal chat keeps its two members");
      if (role < MemberRole.admin)
        return refused("GetChatsError", "only the owner and admins remove members");
      if (action.target?.self)
        return refused("CreateChatError", "leave the chat instead of removing yourself");
      if (!action.target) return refused("CreateChatError", "not a member of the chat");
      if (role === MemberRole.admin && action.target.role >= MemberRole.admin)
        return refused("GetChatsError", "an admin removes members only");
      return undefined;
    case "setRole":
      if (personal) return refused("CreateChatError", "a personal chat has no roles to change");
      if (role !== MemberRole.owner) return refused("GetChatsError", "only the owner changes roles");
      if (action.target?.self) return refused("CreateChatError", "the owner cannot change its own role");
      if (!action.target) return refused("CreateChatError", "not a member of the chat");
      return undefined;
  }
}

/** Throws the refusal of `action`, if any. */
export function requireAllowed(membership: Membership, action: MemberAction): void {
  const refusal = refusalOf(membership, action);
  if (refusal) throw new ApiError(refusal.code, refusal.reason);
}

/** In a channel only the owner and admins post (docs/DECISIONS.md §6); in other chats every member does. */
export function mayPost(membership: Membership): boolean {
  return membership.chat_type !== ChatType.channel || membership.role >= MemberRole.admin;
}
