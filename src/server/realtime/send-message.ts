import type { StagedHandler } from "./dispatch.ts";

/**
 * `sendMessage` (spec "Отправка в сокет"): the REST path's steps, MessageService.prepare and commit, in the
 * order validate → commit → ack → publish. The ack gets ONE argument, the envelope with the stored message and
 * its localId; the message is then announced to the chat's other sockets (the sender's other devices included)
 * without localId. A retry that found the message already stored is answered and announced again. Staged
 * (docs/DECISIONS.md §13): a socket's next sends are validated while this one commits; commits, acks and
 * announcements keep the socket's order.
 */
export const sendMessage: StagedHandler<"sendMessage"> = async ({ context, socket, identity, payload }) => {
  const prepared = await context.messages.prepare(identity, payload);
  return {
    commit: () => prepared.commit(),
    abandon: () => prepared.abandon(),
    afterAnswer: (message) => context.messages.announce(message, { exceptSocketId: socket.id }),
  };
};
