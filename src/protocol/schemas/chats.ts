import { type Static, Type } from "@sinclair/typebox";
import { Base64, CertificateRef, MAX_ID, NO_NUL, Token } from "./common.ts";

/** Chat types (spec "Новый чат"). */
export const ChatType = { personal: 0, group: 1, channel: 2 } as const;

/** Chat ids are UUIDs; anything else is simply an unknown chat (GetChatsError), not a schema failure. */
export const ChatId = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: NO_NUL,
  description: "Chat id (UUID)",
});

const MAX_PHONES = 1000;
const MAX_KEYS = 1000;
/** A wrapped key is a few hundred bytes (GOST key-transport blobs); 8 KiB of base64 is plenty. */
const MAX_KEY_BASE64 = 8_192;

export const ContactsRequest = Type.Object({
  token: Token,
  // Null first: the validator's coercion then reads a form's empty `phones=` as null, not as [""].
  phones: Type.Optional(
    Type.Union([
      Type.Null(),
      Type.Array(Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })]), {
        maxItems: MAX_PHONES,
        description: "Phones in any common format; absent, null or [] lists the caller's chats instead",
      }),
    ]),
  ),
});
export type ContactsRequest = Static<typeof ContactsRequest>;

export const ContactKey = Type.Object({
  id: Type.Integer({ description: "Id of the key row" }),
  key: Type.String({ description: "The chat key wrapped for the session's certificate, base64" }),
  import: Type.Boolean({ description: "True when the wrapping certificate belongs to the recipient" }),
  cert: Type.String({ description: "DER of the certificate that wrapped the key, base64" }),
});
export type ContactKey = Static<typeof ContactKey>;

const NullableString = Type.Union([Type.String(), Type.Null()]);

export const Contact = Type.Object({
  uid: Type.Integer({ description: "User id (the phone's owner)" }),
  pid: Type.Integer({ description: "Profile id" }),
  user: Type.String({ description: "Full name" }),
  name: Type.String({ description: "Company, else the full name" }),
  title: NullableString,
  phone: Type.String(),
  photo: NullableString,
  type: Type.Integer({ description: "Profile type: 0 unknown, 1 person, 2 sole proprietor, 3 employee" }),
  certificates: Type.Array(CertificateRef),
  chatId: NullableString,
  chatType: Type.Integer({ description: "0 personal, 1 group, 2 channel" }),
  chatName: NullableString,
  key: Type.Union([ContactKey, Type.Null()]),
});
export type Contact = Static<typeof Contact>;

export const ContactsData = Type.Array(Contact);
export type ContactsData = Static<typeof ContactsData>;

export const CreateChatKey = Type.Object({
  cid: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The certificate the key is wrapped for" }),
  pid: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The profile holding that certificate" }),
  key: Base64("The wrapped chat key", MAX_KEY_BASE64),
});
export type CreateChatKey = Static<typeof CreateChatKey>;

export const CreateChatRequest = Type.Object({
  token: Token,
  type: Type.Union([
    Type.Literal(ChatType.personal),
    Type.Literal(ChatType.group),
    Type.Literal(ChatType.channel),
  ]),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200, pattern: NO_NUL }), Type.Null()])),
  keys: Type.Array(CreateChatKey, { minItems: 1, maxItems: MAX_KEYS }),
});
export type CreateChatRequest = Static<typeof CreateChatRequest>;
