import type { EventCall } from "./dispatch.ts";

/**
 * `sendMessage` (spec "Отправка в сокет"): the REST path, MessageService.send, in the order
 * validate → commit → ack → publish. The ack gets ONE argument, the envelope with the stored message and its
 * localId; the service announces it to the chat's other sockets (the sender's other devices included) without
 * localId. A retry that found the message already stored is answered and announced again.
 */
export function sendMessage({ context, socket, identity, payload }: EventCall<"sendMessage">) {
  return context.messages.send(identity, payload, { exceptSocketId: socket.id });
}
