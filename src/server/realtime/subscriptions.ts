import type { EventCall } from "./dispatch.ts";
import { chatRoom } from "./rooms.ts";

/**
 * `subscribe`: members only (GetChatsError otherwise, as for REST), the membership row read at each subscribe
 * (never a remembered answer: memberships are removed). The check happens here, once; delivery then is a room
 * broadcast with no per-socket query, and a removal takes the member's sockets out of the rooms
 * (chat-event-publisher.ts; the session sweeper catches a node that Redis did not reach).
 *
 * Checked again once joined: a removal committed between the first check and the join made its sockets leave
 * the rooms before this socket was in them, so only the second check can take it out.
 */
export async function subscribe({ context, socket, identity, payload }: EventCall<"subscribe">) {
  await context.rights.requireMember(identity.profile.id, payload);
  const room = chatRoom(payload, socket.conn.protocol);
  await socket.join(room);
  try {
    await context.rights.requireMember(identity.profile.id, payload);
  } catch (error) {
    await socket.leave(room);
    throw error;
  }
  return payload;
}

/** `unsubscribe`: leaves the chat's room; harmless for a chat the socket never joined. */
export async function unsubscribe({ socket, payload }: EventCall<"unsubscribe">) {
  await socket.leave(chatRoom(payload, socket.conn.protocol));
  return payload;
}
