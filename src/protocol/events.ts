/**
 * The socket half of the API (docs/API.md "Socket.IO"), as tables: what a client may emit (its payload
 * schema and the data its ack envelope carries) and what the server emits. The gateway registers its handlers
 * and validates payloads from `clientEvents`; the typed event maps below type the server (`socket.io`) and the
 * SDK socket (`socket.io-client`) alike, so neither side spells an event name outside these tables.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { ChatId } from "./schemas/chats.ts";
import { type Envelope, Token } from "./schemas/common.ts";
import { ChatRole, WaitList } from "./schemas/members.ts";
import {
  Message,
  MessagesData,
  MessagesRequest,
  ResumeData,
  ResumeRequest,
  SendMessageRequest,
} from "./schemas/messages.ts";

/** The deployed client's `session` payload is the token string; `{token}` is accepted too. */
export const SessionPayload = Type.Union([
  Type.String({ minLength: 1, maxLength: 200 }),
  Type.Object({ token: Token }),
]);

export const SessionData = Type.Object({ pid: Type.Integer({ description: "The session's profile" }) });

export interface ClientEvent {
  /** What the client emits (checked against this schema, coerced as the REST validator coerces). */
  payload: TSchema;
  /** What a successful ack envelope carries in `data`. */
  data: TSchema;
  /**
   * "session": the event brings its own identity; "socket": it acts for the socket's session (subscriptions
   * belong to the socket); "payload": a token inside an object payload may stand in for `session`, as a
   * client written from the spec alone sends the REST body (docs/API.md "Socket.IO").
   */
  identity: "session" | "socket" | "payload";
  /** Payload fields checked as sent, never coerced (the ack echoes them): localId 1.5 is refused, not "1.5". */
  asSent?: readonly string[];
}

/** Client → server events; every one may carry an ack, answered with the API's envelope. */
export const clientEvents = {
  session: { payload: SessionPayload, data: SessionData, identity: "session" },
  subscribe: { payload: ChatId, data: ChatId, identity: "socket" },
  unsubscribe: { payload: ChatId, data: ChatId, identity: "socket" },
  sendMessage: { payload: SendMessageRequest, data: Message, identity: "payload", asSent: ["localId"] },
  messages: { payload: MessagesRequest, data: MessagesData, identity: "payload" },
  /** Extension (docs/API.md "resume"): subscribe + a `next` page for each of many chats, in one event. */
  resume: { payload: ResumeRequest, data: ResumeData, identity: "socket" },
} as const satisfies Record<string, ClientEvent>;

export type ClientEventName = keyof typeof clientEvents;

/** Whether `event` is one of the API's client events (an own key: `constructor` is not). */
export function isClientEvent(event: string): event is ClientEventName {
  return Object.hasOwn(clientEvents, event);
}

/** The caller was made a member (createChat, addMembers): fetch the key with `contacts` or `keys`. */
export const ChatAddedEvent = Type.Object({
  chatId: Type.String(),
  chatType: Type.Integer({ description: "0 personal, 1 group, 2 channel" }),
  chatName: Type.Union([Type.String(), Type.Null()]),
  role: ChatRole,
  keyId: Type.Integer({ description: "The chat's current key epoch" }),
  by: Type.Integer({ description: "The profile that added the member" }),
});
export type ChatAddedEvent = Static<typeof ChatAddedEvent>;

/** The caller is no longer a member; its sockets have already left the chat's rooms. */
export const ChatRemovedEvent = Type.Object({
  chatId: Type.String(),
  reason: Type.Union([Type.Literal("removed"), Type.Literal("left")]),
  by: Type.Integer({ description: "The profile that removed the member (the member itself when it left)" }),
});
export type ChatRemovedEvent = Static<typeof ChatRemovedEvent>;

/** Key rows were stored for the recipient's certificates (fulfilment, rotation). */
export const ChatKeysAddedEvent = Type.Object({
  chatId: Type.String(),
  keyId: Type.Integer({ description: "The chat's current key epoch" }),
  keys: Type.Array(
    Type.Object({
      cid: Type.Integer({ description: "The recipient's certificate" }),
      keyId: Type.Integer({ description: "The epoch of the key stored for it" }),
    }),
  ),
});
export type ChatKeysAddedEvent = Static<typeof ChatKeysAddedEvent>;

/** The chat's wait list changed (a certificate started or stopped waiting for a key). */
export const ChatWaitListEvent = Type.Object({
  chatId: Type.String(),
  keyId: Type.Integer({ description: "The chat's current key epoch" }),
  waitList: WaitList,
});
export type ChatWaitListEvent = Static<typeof ChatWaitListEvent>;

/** Members, roles or the epoch changed: refresh with `chatMembers`. */
export const ChatChangedEvent = Type.Object({
  chatId: Type.String(),
  keyId: Type.Integer({ description: "The chat's current key epoch" }),
  version: Type.Integer({ description: "The chat's version (chatMembers)" }),
  rotationDue: Type.Boolean({ description: "A member left: the next member client rotates the key" }),
});
export type ChatChangedEvent = Static<typeof ChatChangedEvent>;

/**
 * Server → client events. A committed message, to the chat's subscribers other than the sending socket:
 * Socket.IO 4 clients get `messages`, the deployed Socket.IO 2 client (Engine.IO 3) `message`. Membership and
 * key events go to the room `profile:<pid>` of each profile concerned, subscribed to the chat or not; v1
 * listens for none of them.
 */
export const serverEvents = {
  messages: Message,
  message: Message,
  chatAdded: ChatAddedEvent,
  chatRemoved: ChatRemovedEvent,
  chatKeysAdded: ChatKeysAddedEvent,
  chatWaitList: ChatWaitListEvent,
  chatChanged: ChatChangedEvent,
} as const satisfies Record<string, TSchema>;

/** The live-message event of each Engine.IO generation. */
export const liveMessageEvent = { current: "messages", legacy: "message" } as const satisfies Record<
  string,
  keyof typeof serverEvents
>;

/** What a successful ack of a client event carries in `data`. */
export type EventData<E extends ClientEventName> = Static<(typeof clientEvents)[E]["data"]>;

/** The ack's envelope of a client event. */
export type EventEnvelope<E extends ClientEventName> = Static<
  ReturnType<typeof Envelope<(typeof clientEvents)[E]["data"]>>
>;

/** Socket.IO's typed map of client → server events: (payload, ack). */
export type ClientToServerEvents = {
  [E in ClientEventName]: (
    payload: Static<(typeof clientEvents)[E]["payload"]>,
    ack: (envelope: EventEnvelope<E>) => void,
  ) => void;
};

/** Socket.IO's typed map of server → client events. */
export type ServerToClientEvents = {
  [E in keyof typeof serverEvents]: (payload: Static<(typeof serverEvents)[E]>) => void;
};
