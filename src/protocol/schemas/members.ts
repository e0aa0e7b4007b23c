/**
 * Key epochs, wait lists and membership (docs/API.md "Members and key epochs"; design:
 * docs/design/key-epochs-and-membership.md §3). Imports only common.ts: chats.ts builds its Contact from these.
 */
import { type Static, Type } from "@sinclair/typebox";
import {
  BASE64_TEXT,
  Base64,
  CertificateRef,
  ChatId,
  MAX_ID,
  MAX_KEY_BASE64,
  MAX_SIGN_BASE64,
  NullableText,
  PersonFields,
  Token,
} from "./common.ts";

/** Rows of one request (key rows, epochs asked for): as many as createChat's keys. */
const MAX_ROWS = 1000;

/** A chat key epoch: 1 for the key createChat made, one more at each rotation. */
const KeyIdOf = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_ID, description });
export const KeyId = KeyIdOf("Key epoch (1, 2, …)");

const ProfileId = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_ID, description });
const CertificateId = (description: string) => Type.Integer({ minimum: 1, maximum: MAX_ID, description });

/**
 * A key row's signature (docs/CRYPTO.md): optional, since v1's createChat sends none. Null first: a form's empty
 * `sign=` or a JSON null reads as "unsigned", not as an empty string.
 */
export const KeyRowSign = Type.Optional(
  Type.Union([
    Type.Null(),
    Base64(
      "Raw signature of the wrapper over chatId, keyId, cid and the wrapped key",
      MAX_SIGN_BASE64,
      BASE64_TEXT,
    ),
  ]),
);

/** Base64 of a 32-byte hash is 44 characters; the service checks the decoded length. */
const MAX_COMMITMENT_BASE64 = 64;

/**
 * The commitment a request that begins an epoch (createChat, removeMember, rotateKey) may send: a hash of the
 * epoch's key bound to the chat and epoch, and its signature by the session certificate (docs/CRYPTO.md "Epoch
 * key commitments"). Optional: v1's createChat sends none. Null first, as KeyRowSign.
 */
export const EpochCommitmentInput = Type.Optional(
  Type.Union([
    Type.Null(),
    Type.Object({
      value: Base64("The 32-byte commitment to the epoch's key", MAX_COMMITMENT_BASE64, BASE64_TEXT),
      sign: Base64(
        "Raw signature of the session certificate over the chat, the epoch and the commitment",
        MAX_SIGN_BASE64,
        BASE64_TEXT,
      ),
    }),
  ]),
);
export type EpochCommitmentInput = Static<typeof EpochCommitmentInput>;

/** An epoch's commitment as served with each of its key rows. */
export const EpochCommitmentView = Type.Object({
  value: Type.String({ description: "The 32-byte commitment to the epoch's key, base64" }),
  sign: Type.String({ description: "Its creator's raw signature, base64" }),
  cert: Type.String({ description: "DER of the certificate that signed it, base64" }),
  by: Type.Integer({ description: "Id (cid) of that certificate" }),
});
export type EpochCommitmentView = Static<typeof EpochCommitmentView>;

/** Null: an epoch begun without a commitment (before this field existed, or by a client that sends none). */
export const EpochCommitmentField = Type.Union([EpochCommitmentView, Type.Null()], {
  description: "The epoch's key commitment, or null when it has none (docs/CRYPTO.md)",
});

const WrappedKey = Base64("The chat key wrapped for the certificate", MAX_KEY_BASE64);

/** A member's role, as the wire spells it (storage: 0 member, 1 admin, 2 owner). */
const ChatRoleOf = (description?: string) =>
  Type.Union(
    [Type.Literal("owner"), Type.Literal("admin"), Type.Literal("member")],
    description ? { description } : {},
  );
export const ChatRole = ChatRoleOf();
export type ChatRole = Static<typeof ChatRole>;

/** A member certificate without a key for the chat's current epoch. */
export const WaitEntry = Type.Object({
  pid: Type.Integer({ description: "The waiting certificate's profile" }),
  cid: Type.Integer({ description: "The waiting certificate" }),
  cert: Type.String({ description: "DER of the waiting certificate, base64 (wrap for it)" }),
  since: Type.Integer({ description: "Unix seconds: when it started waiting" }),
  keyIds: Type.Array(Type.Integer(), {
    description: "The epochs it may read and lacks, ascending (the current one included)",
  }),
  wrapWith: Type.Union([Type.String(), Type.Null()], {
    description:
      "Null: any key holder can wrap for it; else the key-agreement group (e.g. gost2012-256:CryptoPro-A) the wrapper's certificate must have",
  }),
  fulfillable: Type.Boolean({
    description: "Whether a current member certificate holding the current key has that group",
  }),
  refused: Type.Array(
    Type.Object({
      keyId: Type.Integer({ description: "The epoch" }),
      pid: Type.Integer({ description: "The member whose row for it was refused" }),
    }),
    {
      description:
        "Rows this certificate refused (refuseKeys): those members may not serve those epochs to it again, from any of their certificates",
    },
  ),
});
export type WaitEntry = Static<typeof WaitEntry>;

export const WaitList = Type.Array(WaitEntry);

/** A key row of one epoch for the session's certificate: `contacts`' key plus its epoch and wrapper. */
export const ChatKeyRow = Type.Object({
  keyId: Type.Integer({ description: "The epoch of this key" }),
  id: Type.Integer({ description: "Id of the key row" }),
  key: Type.String({ description: "The chat key wrapped for the session's certificate, base64" }),
  import: Type.Boolean({ description: "True when the wrapping certificate belongs to the recipient" }),
  cert: Type.String({ description: "DER of the certificate that wrapped the key, base64" }),
  sign: NullableText,
  wrappedBy: Type.Integer({ description: "Id (cid) of the certificate that wrapped the key" }),
  commitment: EpochCommitmentField,
});
export type ChatKeyRow = Static<typeof ChatKeyRow>;

export const ChatKeyRows = Type.Array(ChatKeyRow);
export type ChatKeyRows = Static<typeof ChatKeyRows>;

export const MemberCertificate = Type.Object({
  ...CertificateRef.properties,
  hasKey: Type.Boolean({ description: "Holds the current epoch's key" }),
});
export type MemberCertificate = Static<typeof MemberCertificate>;

export const ChatMember = Type.Object({
  ...PersonFields,
  role: ChatRole,
  joined: Type.Integer({ description: "Unix seconds: when the profile became a member" }),
  certificates: Type.Array(MemberCertificate, { description: "Its unexpired, unrevoked certificates" }),
});
export type ChatMember = Static<typeof ChatMember>;

export const ChatMembersData = Type.Object({
  chatId: Type.String(),
  chatType: Type.Integer({ description: "0 personal, 1 group, 2 channel" }),
  keyId: Type.Integer({ description: "The chat's current epoch" }),
  version: Type.Integer({
    description: "Bumped by every change of members, roles, epochs or key holders: send it back to rotate",
  }),
  rotationDue: Type.Boolean({ description: "A member left: the next member client rotates the key" }),
  members: Type.Array(ChatMember),
  waitList: WaitList,
});
export type ChatMembersData = Static<typeof ChatMembersData>;

export const ChatMembersRequest = Type.Object({ token: Token, chat: ChatId });
export type ChatMembersRequest = Static<typeof ChatMembersRequest>;

export const KeysRequest = Type.Object({
  token: Token,
  chat: ChatId,
  // No null branch (unlike contacts' phones): the coercion would read [0] as null, i.e. "every epoch".
  keyIds: Type.Optional(
    Type.Array(KeyId, {
      maxItems: MAX_ROWS,
      description: "The epochs wanted; absent or [] gives every epoch the session's certificate holds",
    }),
  ),
});
export type KeysRequest = Static<typeof KeysRequest>;

/** The session certificate's own key rows that did not unwrap or whose signature did not verify. */
export const RefuseKeysRequest = Type.Object({
  token: Token,
  chat: ChatId,
  keyIds: Type.Array(KeyId, {
    minItems: 1,
    maxItems: MAX_ROWS,
    description: "The epochs whose rows for the session's certificate it refuses",
  }),
});
export type RefuseKeysRequest = Static<typeof RefuseKeysRequest>;

export const RefusedKeyRows = Type.Array(
  Type.Object({
    keyId: Type.Integer(),
    wrappedBy: Type.Integer({ description: "The certificate that had wrapped the refused row" }),
  }),
  {
    description:
      "The rows deleted; the certificate waits for those epochs again. Epochs without a row are left out",
  },
);
export type RefusedKeyRows = Static<typeof RefusedKeyRows>;

/** A key row posted for a waiting certificate (fulfilment). */
export const FulfilmentKey = Type.Object({
  chatId: ChatId,
  cid: CertificateId("The certificate the key is wrapped for"),
  pid: ProfileId("The member holding that certificate"),
  keyId: Type.Optional(KeyId),
  key: WrappedKey,
  sign: KeyRowSign,
});
export type FulfilmentKey = Static<typeof FulfilmentKey>;

export const ChatsKeysRequest = Type.Object({
  token: Token,
  keys: Type.Array(FulfilmentKey, {
    minItems: 1,
    maxItems: MAX_ROWS,
    description: "Key rows for waiting certificates; keyId absent = the chat's current epoch",
  }),
});
export type ChatsKeysRequest = Static<typeof ChatsKeysRequest>;

export const StoredKeyRow = Type.Object({
  chatId: Type.String(),
  keyId: Type.Integer(),
  cid: Type.Integer(),
});
export const StoredKeyRows = Type.Array(StoredKeyRow, {
  description: "The rows stored; rows whose (chat, keyId, cid) already had a key are skipped",
});
export type StoredKeyRows = Static<typeof StoredKeyRows>;

/** A key row for a new member's certificate: the current epoch, or an older one with history "all". */
export const AddMemberKey = Type.Object({
  pid: ProfileId("The profile to add"),
  cid: CertificateId("Its certificate the key is wrapped for"),
  keyId: KeyId,
  key: WrappedKey,
  sign: KeyRowSign,
});
export type AddMemberKey = Static<typeof AddMemberKey>;

export const AddMembersRequest = Type.Object({
  token: Token,
  chat: ChatId,
  keyId: KeyIdOf("The current epoch the keys build on"),
  history: Type.Union([Type.Literal("now"), Type.Literal("all")], {
    description: '"now": new members read from here on; "all": the whole history',
  }),
  keys: Type.Array(AddMemberKey, {
    minItems: 1,
    maxItems: MAX_ROWS,
    description: "The profiles to add are the pids of these rows",
  }),
});
export type AddMembersRequest = Static<typeof AddMembersRequest>;

/** A key row of the new epoch a rotation (removeMember, rotateKey) makes. */
export const EpochKey = Type.Object({
  pid: ProfileId("The remaining member"),
  cid: CertificateId("Its certificate the key is wrapped for"),
  key: WrappedKey,
  sign: KeyRowSign,
});
export type EpochKey = Static<typeof EpochKey>;

const Version = Type.Integer({
  minimum: 0,
  maximum: MAX_ID,
  description: "The chat's version the key set was built on (chatMembers)",
});
const EpochKeys = Type.Array(EpochKey, {
  minItems: 1,
  maxItems: MAX_ROWS,
  description: "The new epoch's key for every remaining certificate that holds the current key",
});

export const RemoveMemberRequest = Type.Object({
  token: Token,
  chat: ChatId,
  pid: ProfileId("The member to remove"),
  keyId: KeyIdOf("The epoch being retired (the current one)"),
  version: Version,
  keys: EpochKeys,
  commitment: EpochCommitmentInput,
});
export type RemoveMemberRequest = Static<typeof RemoveMemberRequest>;

export const RotateKeyRequest = Type.Object({
  token: Token,
  chat: ChatId,
  keyId: KeyIdOf("The epoch being retired (the current one)"),
  version: Version,
  keys: EpochKeys,
  commitment: EpochCommitmentInput,
});
export type RotateKeyRequest = Static<typeof RotateKeyRequest>;

export const LeaveChatRequest = Type.Object({ token: Token, chat: ChatId });
export type LeaveChatRequest = Static<typeof LeaveChatRequest>;

export const LeftChat = Type.Object({ chatId: Type.String() });
export type LeftChat = Static<typeof LeftChat>;

export const SetRoleRequest = Type.Object({
  token: Token,
  chat: ChatId,
  pid: ProfileId("The member whose role changes"),
  role: ChatRoleOf('"owner" hands ownership over: the caller becomes "admin"'),
});
export type SetRoleRequest = Static<typeof SetRoleRequest>;
