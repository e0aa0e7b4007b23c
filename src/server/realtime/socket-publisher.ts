import type { Server } from "socket.io";
import type { Message } from "../../protocol/schemas/messages.ts";
import type { MessagePublisher } from "../services/message-publisher.ts";
import { chatRoom, liveEvent } from "./rooms.ts";

/** The message as everyone but its sender sees it: `localId` belongs to the sender's ack only (DESIGN §11). */
function withoutLocalId(message: Message): Message {
  const { localId: _sendersOwn, ...bare } = message;
  return bare;
}

/**
 * Emits to the chat's two rooms through the adapter (local sockets, and other nodes via Redis when
 * configured). `except` travels with the broadcast, so the sending socket is skipped on whichever node it is.
 */
export class SocketMessagePublisher implements MessagePublisher {
  constructor(private readonly io: Server) {}

  publish(message: Message, options: { exceptSocketId?: string } = {}): void {
    const bare = withoutLocalId(message);
    const except = options.exceptSocketId ?? [];
    this.io.to(chatRoom(message.chat, 4)).except(except).emit(liveEvent.current, bare);
    this.io.to(chatRoom(message.chat, 3)).except(except).emit(liveEvent.legacy, bare);
  }
}
