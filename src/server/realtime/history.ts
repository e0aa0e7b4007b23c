import { MessagesRequest } from "../../protocol/schemas/messages.ts";
import { attempt, reply, splitAck } from "./answer.ts";
import { eventIdentity } from "./authentication.ts";
import type { CertchatSocket, RealtimeContext } from "./context.ts";
import { parsePayload } from "./payload.ts";

/** `messages` with an ack: the socket twin of /api/messages/ (how a reconnecting client catches up). */
export async function onMessages(
  context: RealtimeContext,
  socket: CertchatSocket,
  args: unknown[],
): Promise<void> {
  const { payload, ack } = splitAck(args);
  const outcome = await attempt(context.logger, "messages", async () =>
    context.messages.history(
      await eventIdentity(context, socket, payload),
      parsePayload(MessagesRequest, payload, "messages"),
    ),
  );
  reply(ack, outcome);
}
