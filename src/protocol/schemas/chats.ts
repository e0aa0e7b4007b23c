import { type Static, Type } from "@sinclair/typebox";
import {
  Base64,
  CertificateRef,
  ChatId,
  MAX_ID,
  MAX_KEY_BASE64,
  NullableText,
  PersonFields,
  SHOWN_TEXT,
  Token,
} from "./common.ts";
import { ChatRole, EpochCommitmentField, EpochCommitmentInput, KeyRowSign, WaitEntry } from "./members.ts";

// Defined beside the other shared fields (members.ts needs it too); imported from here by the rest.
export { ChatId };

/** Chat types (spec "Новый чат"). */
export const ChatType = { personal: 0, group: 1, channel: 2 } as const;

const MAX_PHONES = 1000;
const MAX_KEYS = 1000;

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
  // Optional until the services fill them (issue 13, stage 1); always present once they do (docs/API.md).
  keyId: Type.Optional(Type.Integer({ description: "The epoch of this key: the chat's current one" })),
  sign: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "The key row's signature" })),
  // Optional for servers before epoch key commitments; this server always sends it.
  commitment: Type.Optional(EpochCommitmentField),
});
export type ContactKey = Static<typeof ContactKey>;

export const Contact = Type.Object({
  ...PersonFields,
  certificates: Type.Array(CertificateRef),
  chatId: NullableText,
  chatType: Type.Integer({ description: "0 personal, 1 group, 2 channel" }),
  chatName: NullableText,
  key: Type.Union([ContactKey, Type.Null()]),
  // Optional until the services fill them (issue 13, stage 1); always present once they do (docs/API.md).
  keyId: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], {
      description: "The chat's current key epoch; null for a phone-search hit without a chat",
    }),
  ),
  role: Type.Optional(
    Type.Union([ChatRole, Type.Null()], { description: "The caller's role; null without a chat" }),
  ),
  rotationDue: Type.Optional(
    Type.Boolean({ description: "A member left: the next member client rotates the key" }),
  ),
  waitList: Type.Optional(
    Type.Array(WaitEntry, {
      description: "Member certificates without the current key; [] when none or without a chat",
    }),
  ),
  lastMessageId: Type.Optional(
    Type.Union([Type.Integer(), Type.Null()], {
      description:
        "The chat list only: the id of the chat's last message the caller may read; null when there is none",
    }),
  ),
});
export type Contact = Static<typeof Contact>;

export const ContactsData = Type.Array(Contact);
export type ContactsData = Static<typeof ContactsData>;

export const CreateChatKey = Type.Object({
  cid: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The certificate the key is wrapped for" }),
  pid: Type.Integer({ minimum: 1, maximum: MAX_ID, description: "The profile holding that certificate" }),
  key: Base64("The wrapped chat key", MAX_KEY_BASE64),
  sign: KeyRowSign,
});
export type CreateChatKey = Static<typeof CreateChatKey>;

export const CreateChatRequest = Type.Object({
  token: Token,
  type: Type.Union([
    Type.Literal(ChatType.personal),
    Type.Literal(ChatType.group),
    Type.Literal(ChatType.channel),
  ]),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 200, pattern: SHOWN_TEXT }), Type.Null()])),
  keys: Type.Array(CreateChatKey, { minItems: 1, maxItems: MAX_KEYS }),
  commitment: EpochCommitmentInput,
});
export type CreateChatRequest = Static<typeof CreateChatRequest>;
