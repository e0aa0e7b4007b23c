import { ApiError } from "../../protocol/errors.ts";
import type { RefusedChat, ResumedChat } from "../../protocol/schemas/messages.ts";
import { chatLeavesOf } from "./chat-leaves.ts";
import type { EventCall } from "./dispatch.ts";
import { chatRoom } from "./rooms.ts";

/**
 * `resume` (docs/API.md "resume"): `subscribe` and a `messages` `next` page for each of a returning socket's
 * chats, in one event: one membership read for all of them and one statement for their pages (two, or three
 * when a leave order arrived meanwhile).
 *
 * The order is subscribe's: the memberships (with each reader's history bound) are read before the join (a
 * non-member never enters a chat's room), the rooms joined, then the pages read. A message committed before the
 * page read is in its page; one committed after it is published after the join and reaches the socket live (the
 * client drops what it already holds by id). As in subscribe (subscriptions.ts), a removal committed between the
 * membership read and the join made the member's sockets leave the chat's rooms before this socket was in them;
 * its leave order still reached this socket and was counted (chat-leaves.ts): when one arrived meanwhile, the
 * memberships are read again once joined, and the socket leaves the rooms of chats no longer its own, which are
 * refused. A removal whose leave arrives after the join takes the socket out of the room itself. The page
 * statement reads the membership and bound again as it runs: a removal committed after the first read whose
 * leave order has not arrived yet (from another node, through Redis) gets an empty page, not what the chat got
 * after it.
 */
export async function resume({ context, socket, identity, payload }: EventCall<"resume">) {
  const chatIds = payload.chats.map(({ chat }) => chat);
  if (new Set(chatIds).size !== chatIds.length) throw new ApiError("InvalidSchema", "a chat named twice");
  const profileId = identity.profile.id;
  const protocol = socket.conn.protocol;
  const leavesBefore = chatLeavesOf(socket);
  let bounds = await context.rights.readerBounds(profileId, chatIds);
  const members = [...bounds.keys()];
  if (members.length > 0) await socket.join(members.map((chat) => chatRoom(chat, protocol)));
  if (chatLeavesOf(socket) !== leavesBefore) {
    bounds = await context.rights.readerBounds(profileId, members);
    for (const chat of members) if (!bounds.has(chat)) await socket.leave(chatRoom(chat, protocol));
  }
  const pages = await context.messages.catchUpPages(
    profileId,
    payload.chats.flatMap(({ chat, id }) => {
      const visibleAfter = bounds.get(chat);
      return visibleAfter === undefined ? [] : [{ chat, id, visibleAfter }];
    }),
  );
  const byChat = new Map(pages.map((page) => [page.chat, page]));
  return {
    chats: chatIds.map(
      (chat): ResumedChat | RefusedChat => byChat.get(chat) ?? { chat, error: "GetChatsError" },
    ),
  };
}
