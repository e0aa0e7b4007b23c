import type { Message } from "../../protocol/schemas/messages.ts";

export interface PublishOptions {
  /** The sending socket, which has the message from its ack already. */
  exceptSocketId?: string;
}

/**
 * Announces a committed message to the chat's live listeners (docs/API.md "Server → client events"). Called
 * by MessageService.send only, after commit and after the sender's answer; it must not block on the transport
 * (Redis), so it returns nothing to await.
 */
export interface MessagePublisher {
  publish(message: Message, options?: PublishOptions): void;
}
