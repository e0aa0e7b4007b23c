import { chatLeavesOf } from "./chat-leaves.ts";
import type { EventCall } from "./dispatch.ts";
import { chatRoom } from "./rooms.ts";

/**
 * `subscribe`: members only (GetChatsError otherwise, as for REST), the membership row read at each subscribe
 * (never a remembered answer: memberships are removed). The check happens here; delivery then is a room
 * broadcast with no per-socket query, and a removal takes the member's sockets out of the rooms
 * (chat-event-publisher.ts; the session sweeper catches a node that Redis did not reach).
 *
 * A removal committed between the check and the join made the member's sockets leave the chat's rooms before
 * this socket was in them. Such a leave order still reached this socket (it is in its profile's room), and is
 * counted (chat-leaves.ts): when one arrived meanwhile, the membership is checked again once joined — only then,
 * so a returning socket's subscribe costs one read. A removal whose leave arrives after the join takes the
 * socket out of the room itself.
 */
export async function subscribe({ context, socket, identity, payload }: EventCall<"subscribe">) {
  const leavesBefore = chatLeavesOf(socket);
  await context.rights.requireMember(identity.profile.id, payload);
  const room = chatRoom(payload, socket.conn.protocol);
  await socket.join(room);
  if (chatLeavesOf(socket) === leavesBefore) return payload;
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
