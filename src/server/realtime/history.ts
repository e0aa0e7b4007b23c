import type { EventCall } from "./dispatch.ts";

/** `messages` with an ack: the socket twin of /api/messages/ (how a reconnecting client catches up). */
export function history({ context, identity, payload }: EventCall<"messages">) {
  return context.messages.history(identity, payload);
}
