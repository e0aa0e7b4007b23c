import type {
  ChatAddedEvent,
  ChatChangedEvent,
  ChatKeysAddedEvent,
  ChatRemovedEvent,
  ChatWaitListEvent,
} from "../../protocol/events.ts";
import type { ChatEvents } from "../services/chat-events.ts";
import type { CertchatIo } from "./context.ts";
import type { EmissionOrder } from "./emission-order.ts";
import { chatRooms, profileRoom } from "./rooms.ts";

/**
 * ChatEvents over Socket.IO: each event goes to profile rooms (every socket is in its profile's room once its
 * session is adopted) through the adapter, so a member's sockets on every node get it, subscribed to the chat
 * or not. Nothing is awaited: with Redis down the other nodes miss the event (clients catch up through
 * `contacts` and `chatMembers`), as they miss live messages. Each goes through `order`, shared with the
 * message publisher: at once, unless messages published before it are still waiting to go (then after them).
 */
export class ChatEventPublisher implements ChatEvents {
  constructor(
    private readonly io: CertchatIo,
    private readonly order: EmissionOrder,
  ) {}

  added(_chatId: string, profileIds: number[], event: ChatAddedEvent, exceptSocketId?: string): void {
    this.order.inOrder(() =>
      this.toProfiles(profileIds)
        ?.except(exceptSocketId ?? [])
        .emit("chatAdded", event),
    );
  }

  /**
   * The profile's sockets leave both of the chat's rooms, then get chatRemoved: a message published after this
   * call does not reach them, one published before it does. The Redis adapter carries a leave to every node,
   * this one included, only through Redis; this node's sockets leave here as well, so that they leave even
   * while Redis is down (remote ones then wait for the session sweeper's membership check).
   */
  removed(chatId: string, profileId: number, event: ChatRemovedEvent): void {
    const room = profileRoom(profileId);
    const rooms = chatRooms(chatId);
    this.order.inOrder(() => {
      this.io.local.in(room).socketsLeave(rooms);
      this.io.in(room).socketsLeave(rooms);
      this.io.to(room).emit("chatRemoved", event);
    });
  }

  keysAdded(_chatId: string, byProfile: ReadonlyMap<number, ChatKeysAddedEvent>): void {
    this.order.inOrder(() => {
      for (const [profileId, event] of byProfile)
        this.io.to(profileRoom(profileId)).emit("chatKeysAdded", event);
    });
  }

  waitListChanged(_chatId: string, memberIds: number[], event: ChatWaitListEvent): void {
    this.order.inOrder(() => this.toProfiles(memberIds)?.emit("chatWaitList", event));
  }

  changed(_chatId: string, memberIds: number[], event: ChatChangedEvent): void {
    this.order.inOrder(() => this.toProfiles(memberIds)?.emit("chatChanged", event));
  }

  /** The profiles' rooms; undefined for none (Socket.IO broadcasts to everyone when given no room). */
  private toProfiles(profileIds: number[]) {
    return profileIds.length === 0 ? undefined : this.io.to(profileIds.map(profileRoom));
  }
}
