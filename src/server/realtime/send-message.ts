import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ApiError } from "../../protocol/errors.ts";
import { NO_NUL } from "../../protocol/schemas/common.ts";
import { SendMessageRequest } from "../../protocol/schemas/messages.ts";
import { attempt, reply, splitAck } from "./answer.ts";
import { eventIdentity } from "./authentication.ts";
import type { CertchatSocket, RealtimeContext } from "./context.ts";
import { parsePayload } from "./payload.ts";

/** The REST body without localId, which is checked on its own: a number stays a number, a string a string. */
const SendMessageBody = Type.Omit(SendMessageRequest, ["localId"]);
const SocketLocalId = Type.Union([
  Type.Integer(),
  Type.String({ minLength: 1, maxLength: 100, pattern: NO_NUL }),
]);

function parseSend(payload: unknown) {
  const body = parsePayload(SendMessageBody, payload, "sendMessage");
  const localId: unknown = (payload as { localId?: unknown }).localId;
  if (localId === undefined) return body;
  if (!Value.Check(SocketLocalId, localId)) throw new ApiError("InvalidSchema", "localId is not an id");
  return { ...body, localId };
}

/**
 * `sendMessage` (spec "Отправка в сокет"): the REST path (MessageService.send) in the order
 * validate → commit → ack → publish. The ack gets ONE argument, the envelope with the stored message and its
 * localId; the chat's other sockets (the sender's other devices included) get it without localId. A retry
 * that found the message already stored is answered and announced again (see MessageService.send).
 */
export async function onSendMessage(
  context: RealtimeContext,
  socket: CertchatSocket,
  args: unknown[],
): Promise<void> {
  const { payload, ack } = splitAck(args);
  const outcome = await attempt(context.logger, "sendMessage", async () =>
    context.messages.send(await eventIdentity(context, socket, payload), parseSend(payload)),
  );
  reply(ack, outcome);
  if (outcome.ok) context.publisher.publish(outcome.value, { exceptSocketId: socket.id });
}
