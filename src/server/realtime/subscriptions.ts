import { ChatId } from "../../protocol/schemas/chats.ts";
import { requireMembership } from "../services/chat-access.ts";
import { attempt, reply, splitAck } from "./answer.ts";
import { type CertchatSocket, identityOf, type RealtimeContext } from "./context.ts";
import { parsePayload } from "./payload.ts";
import { chatRoom } from "./rooms.ts";

/**
 * `subscribe`: members only (GetChatsError otherwise, as for REST). The membership check happens here, once;
 * delivery then is a room broadcast with no per-socket query.
 */
export async function onSubscribe(
  context: RealtimeContext,
  socket: CertchatSocket,
  args: unknown[],
): Promise<void> {
  const { payload, ack } = splitAck(args);
  const outcome = await attempt(context.logger, "subscribe", async () => {
    const identity = identityOf(socket);
    const chat = parsePayload(ChatId, payload, "subscribe");
    await requireMembership(context.db, chat, identity.profile.id);
    await socket.join(chatRoom(chat, socket.conn.protocol));
    return chat;
  });
  reply(ack, outcome);
}

/** `unsubscribe`: leaves the chat's room; harmless for a chat the socket never joined. */
export async function onUnsubscribe(
  context: RealtimeContext,
  socket: CertchatSocket,
  args: unknown[],
): Promise<void> {
  const { payload, ack } = splitAck(args);
  const outcome = await attempt(context.logger, "unsubscribe", async () => {
    identityOf(socket);
    const chat = parsePayload(ChatId, payload, "unsubscribe");
    await socket.leave(chatRoom(chat, socket.conn.protocol));
    return chat;
  });
  reply(ack, outcome);
}
