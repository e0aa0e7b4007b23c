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
  /**
   * `singleNode`: this node's sockets are all there are (no Redis adapter), so a room none of them is in — most
   * often the Engine.IO 3 room, with no legacy client online — is not emitted to: no encode, no frame.
   */
  constructor(
    private readonly io: CertchatIo,
    private readonly logger: Logger,
    private readonly order: EmissionOrder,
    private readonly reach: { singleNode: boolean } = { singleNode: false },
  ) {}

  publish(message: Message, options: PublishOptions = {}): void {
    const live = withoutLocalId(message);
    const except = options.exceptSocketId ?? [];
    this.order.later(() => {
      try {
        this.emit(chatRoom(live.chat, 4), except, liveMessageEvent.current, live);
        this.emit(chatRoom(live.chat, 3), except, liveMessageEvent.legacy, live);
      } catch (error) {
        // Live delivery is best effort (clients catch up with `messages`); the send itself succeeded.
        this.logger.error({ err: error, message: live.id }, "could not publish a message");
      }
    });
  }

  private emit(
    room: string,
    except: string | string[],
    event: (typeof liveMessageEvent)[keyof typeof liveMessageEvent],
    live: Message,
  ): void {
    if (this.reach.singleNode && !this.io.of("/").adapter.rooms.has(room)) return;
    this.io.to(room).except(except).emit(event, live);
  }
}
