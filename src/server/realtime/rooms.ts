/**
 * Two rooms per chat, one per Engine.IO generation (docs/DECISIONS.md §3): a publish emits `messages` to the first and
 * `message` to the second (liveMessageEvent, src/protocol/events.ts), so each payload is encoded once per generation, never per socket.
 */
export function chatRoom(chatId: string, engineProtocol: number): string {
  return engineProtocol === 3 ? `chat:${chatId}:eio3` : `chat:${chatId}`;
}

/** Whether a Socket.IO room is a chat's (the others are each socket's own room). */
export function isChatRoom(room: string): boolean {
  return room.startsWith("chat:");
}
