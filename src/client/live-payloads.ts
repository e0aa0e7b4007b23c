/**
 * Which server → client socket payloads a client acts on (docs/DECISIONS.md §23). The server is not trusted, and
 * a payload missing what its listener reads threw inside socket.io's handler (an uncaught exception, which ends a
 * Node process) or reached a listener with fields its type does not allow. The SDK's CertchatSocket and the web
 * page's LiveConnection drop such payloads with these checks. They check only what the clients read before they
 * act, not the whole schema: the rest of a message is judged when it is read (a malformed one shows unverified).
 */
import type { liveMessageEvent, ServerToClientEvents } from "../protocol/events.ts";
import type { Message } from "../protocol/schemas/messages.ts";

/** The membership and key events (docs/API.md "Socket.IO"), sent to every socket of the profile concerned. */
export type ChatEventName = Exclude<
  keyof ServerToClientEvents,
  (typeof liveMessageEvent)[keyof typeof liveMessageEvent]
>;
export type ChatEventPayload<E extends ChatEventName> = Parameters<ServerToClientEvents[E]>[0];

type Fields = Record<string, unknown>;

function isObject(payload: unknown): payload is Fields {
  return typeof payload === "object" && payload !== null;
}

/** What routing a live message needs: its chat and id (the rest is checked when it is read). */
export function isLiveMessage(payload: unknown): payload is Message {
  return isObject(payload) && typeof payload.chat === "string" && Number.isSafeInteger(payload.id);
}

/** Beyond a string `chatId`, what the clients read of each event before acting on it. */
const eventFields: { [E in ChatEventName]: (fields: Fields) => boolean } = {
  chatAdded: (fields) => Number.isSafeInteger(fields.keyId),
  // The web page shows the reason's sentence: one outside the type has none.
  chatRemoved: (fields) => fields.reason === "removed" || fields.reason === "left",
  chatChanged: (fields) => Number.isSafeInteger(fields.keyId) && typeof fields.rotationDue === "boolean",
  chatWaitList: (fields) => Number.isSafeInteger(fields.keyId) && Array.isArray(fields.waitList),
  chatKeysAdded: (fields) => Number.isSafeInteger(fields.keyId) && Array.isArray(fields.keys),
};

/** Whether a chat event carries what every listener reads: its chat, epoch, and the fields above. */
export function isChatEvent<E extends ChatEventName>(
  event: E,
  payload: unknown,
): payload is ChatEventPayload<E> {
  return isObject(payload) && typeof payload.chatId === "string" && eventFields[event](payload);
}
