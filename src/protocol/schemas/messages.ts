import { type Static, Type } from "@sinclair/typebox";
import { ChatId } from "./chats.ts";
import { MAX_ID, MAX_SIGN_BASE64, NO_NUL, NullableText, Token } from "./common.ts";

/** The history page size (docs/DECISIONS.md §2). */
export const HISTORY_PAGE_SIZE = 50;

/**
 * The deployed client's localId is its local row number; other clients may send strings. A type list, not
 * anyOf: the validator coerces only when neither type matches, so the ack echoes the value as it was sent.
 */
export const LocalId = Type.Unsafe<string | number>({
  type: ["integer", "string"],
  minLength: 1,
  maxLength: 100,
  pattern: NO_NUL,
  description: "The client's id of this send: a retry with the same value returns the stored message",
});
export type LocalId = Static<typeof LocalId>;

/**
 * Without maxLength: `text`, `data` and `cms` are limited by settings (CERTCHAT_MAX_TEXT_BYTES, _FILE_BYTES,
 * _CMS_BYTES, decoded) in MessageService, and the body by CERTCHAT_MAX_BODY_BYTES.
 */
const OptionalBase64 = (description: string, maxLength?: number) =>
  Type.Optional(
    Type.Union([
      Type.String({ description: `${description} (base64)`, ...(maxLength ? { maxLength } : {}) }),
      Type.Null(),
    ]),
  );

export const SendMessageRequest = Type.Object({
  token: Token,
  chat: ChatId,
  text: OptionalBase64("Ciphertext of the text"),
  type: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 32,
      pattern: NO_NUL,
      description: "txt for text, else the file type",
    }),
  ),
  data: OptionalBase64("Ciphertext of the file"),
  sign: OptionalBase64("Raw signature of the plaintext", MAX_SIGN_BASE64),
  cms: OptionalBase64("Detached CMS signature of the plaintext file"),
  cid: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The sender's certificate that signed" }),
  localId: Type.Optional(LocalId),
  keyId: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_ID,
      description: "The key epoch the ciphertext uses; absent: the chat's current one at commit (v1)",
    }),
  ),
});
export type SendMessageRequest = Static<typeof SendMessageRequest>;

export const Message = Type.Object({
  id: Type.Integer({ description: "Unique across chats, increasing" }),
  chat: Type.String(),
  pid: Type.Integer({ description: "The sender's profile" }),
  cid: Type.Integer({ description: "The sender's certificate, to check the signature" }),
  user: Type.String({ description: "The sender's full name" }),
  data: Type.String({ description: "Ciphertext of the text (base64; empty for a file without text)" }),
  sign: NullableText,
  cms: NullableText,
  type: Type.String({ description: "txt for text, else the file type" }),
  file: Type.Union([Type.String({ description: "File id for /api/file/" }), Type.Null()]),
  time: Type.Integer({ description: "Unix seconds" }),
  localId: Type.Optional(LocalId),
  // Optional until the services fill it (issue 13, stage 1); always present once they do (docs/API.md).
  keyId: Type.Optional(Type.Integer({ description: "The key epoch it was sent under" })),
});
export type Message = Static<typeof Message>;

export const MessagesRequest = Type.Object({
  token: Token,
  chat: ChatId,
  id: Type.Optional(
    Type.Integer({ minimum: 0, maximum: MAX_ID, description: "Anchor message id (need not exist)" }),
  ),
  rel: Type.Optional(Type.Union([Type.Literal("prev"), Type.Literal("next")])),
  type: Type.Optional(Type.String({ maxLength: 32, description: '"file": file messages only' })),
});
export type MessagesRequest = Static<typeof MessagesRequest>;

export const MessagesData = Type.Array(Message);
export type MessagesData = Static<typeof MessagesData>;

/** Chats one `resume` may name (docs/API.md "resume"); a client with more sends several. */
export const MAX_RESUME_CHATS = 100;

export const ResumeRequest = Type.Object({
  chats: Type.Array(
    Type.Object({
      chat: ChatId,
      id: Type.Integer({
        minimum: 0,
        maximum: MAX_ID,
        description: "The last message id the client holds of the chat (0: none)",
      }),
    }),
    { minItems: 1, maxItems: MAX_RESUME_CHATS, description: "Each chat once" },
  ),
});
export type ResumeRequest = Static<typeof ResumeRequest>;

/** A chat the socket is now subscribed to, with the messages after the client's id. */
export const ResumedChat = Type.Object({
  chat: Type.String(),
  messages: MessagesData,
  more: Type.Boolean({
    description: "The page stopped before the chat's last message: page on with `messages` from its last id",
  }),
});
export type ResumedChat = Static<typeof ResumedChat>;

/** A chat refused as `subscribe` refuses it (GetChatsError: not a member, or an unknown chat). */
export const RefusedChat = Type.Object({ chat: Type.String(), error: Type.Literal("GetChatsError") });
export type RefusedChat = Static<typeof RefusedChat>;

/** One entry per requested chat, in the request's order. */
export const ResumeData = Type.Object({ chats: Type.Array(Type.Union([ResumedChat, RefusedChat])) });
export type ResumeData = Static<typeof ResumeData>;
