import { ApiError } from "../../protocol/errors.ts";
import type { RefusedChat, ResumedChat } from "../../protocol/schemas/messages.ts";
import type { EventCall } from "./dispatch.ts";
import { chatRoom } from "./rooms.ts";

/**
 * `resume` (docs/API.md "resume"): `subscribe` and a `messages` `next` page for each of a returning socket's
 * chats, in one event and two membership reads for all of them.
 *
 * The order is subscribe's: the memberships are read before the join (a non-member never enters a chat's room),
 * the rooms joined, then the readers' views — membership again, with each chat's last id — read after the join,
 * and the pages from them. A message committed before that read is in its page; one committed after it is
 * published after the join and reaches the socket live (the client drops what it already holds by id).
 * The read after the join is also subscribe's second check, made each time: a removal committed before it
 * (between the first read and the join, say, whose leave order found the socket outside the room) shows as a
 * missing view, and the socket leaves the chat's room and gets the chat refused; one committed after it takes
 * the socket out of the room with its leave order, as after a subscribe.
 */
export async function resume({ context, socket, identity, payload }: EventCall<"resume">) {
  const chatIds = payload.chats.map(({ chat }) => chat);
  if (new Set(chatIds).size !== chatIds.length) throw new ApiError("InvalidSchema", "a chat named twice");
  const profileId = identity.profile.id;
  const protocol = socket.conn.protocol;
  const members = [...(await context.rights.memberChats(profileId, chatIds))];
  if (members.length > 0) await socket.join(members.map((chat) => chatRoom(chat, protocol)));
  const readers = await context.rights.readerViews(profileId, members);
  for (const chat of members) if (!readers.has(chat)) await socket.leave(chatRoom(chat, protocol));
  const pages = await context.messages.catchUpPages(
    payload.chats.flatMap(({ chat, id }) => {
      const reader = readers.get(chat);
      return reader ? [{ chat, id, reader }] : [];
    }),
  );
  const byChat = new Map(pages.map((page) => [page.chat, page]));
  return {
    chats: chatIds.map(
      (chat): ResumedChat | RefusedChat => byChat.get(chat) ?? { chat, error: "GetChatsError" },
    ),
  };
}
