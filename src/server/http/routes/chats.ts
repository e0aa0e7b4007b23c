import type { ChatKeysService } from "../../services/chat-keys.ts";
import type { ChatMembershipService } from "../../services/chat-membership.ts";
import type { ApiHandlers } from "../api-route.ts";

/**
 * Membership and key epochs (docs/API.md "Участники чата и ключи"): chatMembers, keys, chatsKeys, refuseKeys, addMembers,
 * removeMember, rotateKey, leaveChat, setRole.
 */
export function chatHandlers(deps: {
  membership: ChatMembershipService;
  chatKeys: ChatKeysService;
}): ApiHandlers<
  | "chatMembers"
  | "keys"
  | "chatsKeys"
  | "refuseKeys"
  | "addMembers"
  | "removeMember"
  | "rotateKey"
  | "leaveChat"
  | "setRole"
> {
  return {
    chatMembers: ({ body, identity }) => deps.membership.members(identity, body.chat),
    keys: ({ body, identity }) => deps.chatKeys.keys(identity, body),
    chatsKeys: ({ body, identity }) => deps.chatKeys.fulfil(identity, body),
    refuseKeys: ({ body, identity }) => deps.chatKeys.refuse(identity, body),
    addMembers: ({ body, identity }) => deps.membership.add(identity, body),
    removeMember: ({ body, identity }) => deps.membership.remove(identity, body),
    rotateKey: ({ body, identity }) => deps.membership.rotate(identity, body),
    leaveChat: ({ body, identity }) => deps.membership.leave(identity, body),
    setRole: ({ body, identity }) => deps.membership.setRole(identity, body),
  };
}
