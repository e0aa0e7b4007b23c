/**
 * Two rooms per chat, one per Engine.IO generation (docs/DECISIONS.md §3): a publish emits `messages` to the first and
 * `message` to the second (liveMessageEvent, src/protocol/events.ts), so each payload is encoded once per generation, never per socket.
 */
export function chatRoom(chatId: string, engineProtocol: number): string {
  return engineProtocol === 3 ? `chat:${chatId}:eio3` : `chat:${chatId}`;
}

/** Both rooms of a chat (every generation's). */
export function chatRooms(chatId: string): string[] {
  return [chatRoom(chatId, 4), chatRoom(chatId, 3)];
}

/** Whether a Socket.IO room is a chat's (the others are each socket's own room and its profile's). */
export function isChatRoom(room: string): boolean {
  return room.startsWith("chat:");
}

/** The chat of a room that a socket of this Engine.IO generation joined, or undefined for any other room. */
export function chatOfRoom(room: string, engineProtocol: number): string | undefined {
  const suffix = engineProtocol === 3 ? ":eio3" : "";
  if (!isChatRoom(room) || !room.endsWith(suffix)) return undefined;
  return room.slice("chat:".length, room.length - suffix.length);
}

/**
 * Every socket of a profile, on every node, whichever its generation: the membership events (chatAdded, …)
 * have one name for both, so one room serves both, and reach a member whether or not it subscribed to the chat.
 */
export function profileRoom(profileId: number): string {
  return `profile:${profileId}`;
}
