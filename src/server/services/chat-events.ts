import type {
  ChatAddedEvent,
  ChatChangedEvent,
  ChatKeysAddedEvent,
  ChatRemovedEvent,
  ChatWaitListEvent,
} from "../../protocol/events.ts";

/**
 * Announces committed membership and key changes to the members' sockets (docs/API.md "Server → client
 * events"). Services call it after commit, like MessagePublisher; it must not block on the transport (Redis),
 * so nothing is awaited. The realtime layer implements it (realtime/chat-event-publisher.ts).
 */
export interface ChatEvents {
  added(chatId: string, profileIds: number[], event: ChatAddedEvent, exceptSocketId?: string): void;
  /** The profile's sockets leave the chat's rooms first, then get the event. */
  removed(chatId: string, profileId: number, event: ChatRemovedEvent): void;
  keysAdded(chatId: string, byProfile: ReadonlyMap<number, ChatKeysAddedEvent>): void;
  waitListChanged(chatId: string, memberIds: number[], event: ChatWaitListEvent): void;
  changed(chatId: string, memberIds: number[], event: ChatChangedEvent): void;
}
