import type { Message } from "../../protocol/schemas/messages.ts";

/**
 * Announces a committed message to the chat's live listeners (DESIGN §3). Called only after
 * MessageService.send returned, i.e. after commit and after the sender's answer; it must not block on the
 * transport (Redis), so it returns nothing to await.
 */
export interface MessagePublisher {
  /** `exceptSocketId`: the sending socket, which has the message from its ack already. */
  publish(message: Message, options?: { exceptSocketId?: string }): void;
}
