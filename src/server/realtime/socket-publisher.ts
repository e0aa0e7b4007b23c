import { liveMessageEvent } from "../../protocol/events.ts";
import type { Message } from "../../protocol/schemas/messages.ts";
import type { MessagePublisher } from "../services/message-publisher.ts";
import type { CertchatIo } from "./context.ts";
import { chatRoom } from "./rooms.ts";

/** The message as everyone but its sender sees it: `localId` belongs to the sender's ack only (docs/DECISIONS.md §11). */
function withoutLocalId(message: Message): Message {
  const { localId: _sendersOwn, ...bare } = message;
  return bare;
}

/**
 * Emits to the chat's two rooms through the adapter (local sockets, and other nodes via Redis when
 * configured). `except` travels with the broadcast, so the sending socket is skipped on whichever node it is.
 */
export class SocketMessagePublisher implements MessagePublisher {
  constructor(private readonly io: CertchatIo) {}

  publish(message: Message, options: { exceptSocketId?: string } = {}): void {
    const bare = withoutLocalId(message);
    const except = options.exceptSocketId ?? [];
    this.io.to(chatRoom(message.chat, 4)).except(except).emit(liveMessageEvent.current, bare);
    this.io.to(chatRoom(message.chat, 3)).except(except).emit(liveMessageEvent.legacy, bare);
  }
}
