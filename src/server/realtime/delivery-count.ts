import { isChatRoom } from "./rooms.ts";

/** The adapter's internal step that every broadcast of this node goes through (see countChatDeliveries). */
interface ApplyingAdapter {
  rooms: Map<string, Set<string>>;
  apply(options: { rooms: Set<string>; except?: Set<string> }, callback: (socket: unknown) => void): void;
}

/**
 * Counts live messages handed to this node's sockets: each broadcast to a chat room adds the room's size here
 * less its excepted sender — one addition per broadcast, nothing per socket. Broadcasts are counted in the
 * in-memory adapter's `apply`, the step both a local publish and one arriving from another node through the
 * Redis adapter go through (its `broadcast` is bypassed by the latter). `apply` is internal to
 * socket.io-adapter (pinned ~2.5 by socket.io); should it disappear, nothing is counted rather than anything
 * breaking, and the delivery test fails.
 */
export function countChatDeliveries(adapter: object, delivered: (count: number) => void): void {
  const target = adapter as Partial<ApplyingAdapter>;
  const apply = target.apply;
  const rooms = target.rooms;
  if (typeof apply !== "function" || !(rooms instanceof Map)) return;
  target.apply = function countingApply(options, callback) {
    let count = 0;
    for (const room of options.rooms) {
      const members = isChatRoom(room) ? rooms.get(room) : undefined;
      if (!members) continue;
      count += members.size;
      // `except` holds the sender's socket id, which is also the name of its own room.
      for (const excepted of options.except ?? []) if (members.has(excepted)) count--;
    }
    if (count > 0) delivered(count);
    apply.call(this, options, callback);
  };
}
