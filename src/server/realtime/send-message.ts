import type { StagedHandler } from "./dispatch.ts";

/**
 * `sendMessage` (spec "Отправка в сокет"): the REST path's steps, MessageService.prepare and commit, in the
 * order validate → commit → ack → publish. The ack gets ONE argument, the envelope with the stored message and
 * its localId; the message is then announced to the chat's other sockets (the sender's other devices included)
 * without localId. A retry that found the message already stored is answered and announced again. Staged
 * (docs/DECISIONS.md §13): a socket's next sends are validated while this one commits; commits and acks keep
 * the socket's order, announcements the commit order (ids ascending).
 */
export const sendMessage: StagedHandler<"sendMessage"> = async ({ context, socket, identity, payload }) => {
  const prepared = await context.messages.prepare(identity, payload);
  return {
    commit: async () => {
      const message = await prepared.commit();
      // Announced as the commit resolves, as REST sends are: the writer resolves a batch in id order, so every
      // sender's messages go out in id order. Announcing after this socket's ack instead (which waits for its
      // earlier acks) let another socket's later message overtake it (resilience/load.test.ts). Announced now,
      // not a turn later: it takes its place in the emission order before a removal published meanwhile.
      context.messages.announce(message, { exceptSocketId: socket.id });
      return message;
    },
    abandon: () => prepared.abandon(),
  };
};
