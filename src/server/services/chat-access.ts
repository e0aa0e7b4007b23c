import { ApiError } from "../../protocol/errors.ts";
import { ChatType } from "../../protocol/schemas/chats.ts";
import { findMembership, MemberRole } from "../storage/repositories/chats.ts";
import type { Executor } from "../storage/repositories/executor.ts";

export interface Membership {
  chat_type: number;
  role: number;
}

/**
 * The caller's membership in a chat. An unknown chat and a chat the caller is not in answer the same
 * GetChatsError, so a token learns nothing about chats outside its profile.
 */
export async function requireMembership(
  db: Executor,
  chatId: string,
  profileId: number,
): Promise<Membership> {
  const membership = await findMembership(db, chatId, profileId);
  if (!membership) throw new ApiError("GetChatsError", "unknown chat or not a member");
  return membership;
}

/** In a channel only the owner and admins post (docs/DECISIONS.md §6); in other chats every member does. */
export function mayPost(membership: Membership): boolean {
  return membership.chat_type !== ChatType.channel || membership.role >= MemberRole.admin;
}
