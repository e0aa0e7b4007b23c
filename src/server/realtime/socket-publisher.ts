import type { Logger } from "pino";
import { liveMessageEvent } from "../../protocol/events.ts";
import type { Message } from "../../protocol/schemas/messages.ts";
import type { MessagePublisher, PublishOptions } from "../services/message-publisher.ts";
import type { CertchatIo } from "./context.ts";
import type { EmissionOrder } from "./emission-order.ts";
import { chatRoom } from "./rooms.ts";

/** The message as everyone but its sender sees it: `localId` belongs to the sender's ack only (docs/DECISIONS.md §11). */
function withoutLocalId(message: Message): Message {
  const { localId: _sendersOwn, ...bare } = message;
  return bare;
}

/**
 * Emits to the chat's two rooms through the adapter (local sockets, and other nodes via Redis when
 * configured). `except` travels with the broadcast, so the sending socket is skipped on whichever node it is.
 * Socket.IO encodes each emit once, whatever the room's size (JSON, UTF-8 and the websocket frame: the
 * adapter's `broadcast`), and writes that frame to each socket.
 *
 * Messages published together (a commit batch resolves all its sends at once, and each is announced as its
 * commit resolves) are emitted together, in order, once those continuations — the senders' acks among them —
 * have run, in the same turn of the event loop (`order.later`): a socket then gets the first at once and the
 * others from Engine.IO's write buffer in one system call (coalesceBufferedFrames), instead of one each. Chat
 * events share `order`, so they do not overtake messages waiting to go.
 */
export class SocketMessagePublisher implements MessagePublisher {
  constructor(
    private readonly io: CertchatIo,
    private readonly logger: Logger,
    private readonly order: EmissionOrder,
  ) {}

  publish(message: Message, options: PublishOptions = {}): void {
    const live = withoutLocalId(message);
    const except = options.exceptSocketId ?? [];
    this.order.later(() => {
      try {
        this.io.to(chatRoom(live.chat, 4)).except(except).emit(liveMessageEvent.current, live);
        this.io.to(chatRoom(live.chat, 3)).except(except).emit(liveMessageEvent.legacy, live);
      } catch (error) {
        // Live delivery is best effort (clients catch up with `messages`); the send itself succeeded.
        this.logger.error({ err: error, message: live.id }, "could not publish a message");
      }
    });
  }
}
