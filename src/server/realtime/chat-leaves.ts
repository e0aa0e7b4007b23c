import { isChatRoom } from "./rooms.ts";

/** Orders to leave a chat room that reached each socket of this node (see countChatLeaves). */
const leaves = new WeakMap<object, number>();

/** The adapter's step that every socket's leave goes through: Socket.leave calls it, nothing else does. */
interface LeavingAdapter {
  del(id: string, room: string): Promise<void> | void;
}

/**
 * Counts, per socket, the orders to leave a chat room that reach it, whether or not it is in that room: a
 * removal makes every socket of the member's profile leave the chat's rooms (chat-event-publisher.ts), on this
 * node directly and on every node through the Redis adapter, and the session sweeper does the same. Counted in
 * the adapter's `del`, which Socket.leave calls and both paths end in (the Redis adapter's remote leave calls the
 * in-memory adapter's delSockets, bypassing an override of delSockets; `del` is part of the adapter's interface).
 * `subscribe` reads the count around its membership check: unchanged means no removal reached the socket
 * meanwhile, so the check cannot have been overtaken by one.
 */
export function countChatLeaves(adapter: object, sockets: ReadonlyMap<string, object>): void {
  const target = adapter as Partial<LeavingAdapter>;
  const del = target.del;
  if (typeof del !== "function") throw new Error("the Socket.IO adapter has no del(id, room)");
  target.del = function countingDel(id, room) {
    const socket = isChatRoom(room) ? sockets.get(id) : undefined;
    if (socket) leaves.set(socket, (leaves.get(socket) ?? 0) + 1);
    return del.call(this, id, room);
  };
}

/** How many orders to leave a chat room have reached the socket so far. */
export function chatLeavesOf(socket: object): number {
  return leaves.get(socket) ?? 0;
}
