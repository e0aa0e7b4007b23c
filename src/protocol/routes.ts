/**
 * The REST half of the protocol as one table (docs/API.md): every method with its path, request and data
 * schemas, who may call it, its body limit and content types. The server registers its Fastify routes and
 * OpenAPI from it; the SDK's `CertchatApi` calls it by name.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { Contact, ContactsData, ContactsRequest, CreateChatRequest } from "./schemas/chats.ts";
import { FileData, FileParams, FileRequest } from "./schemas/files.ts";
import {
  AuthData,
  AuthRequest,
  ConfirmAuthData,
  ConfirmAuthRequest,
  ConfirmPhoneData,
  ConfirmPhoneRequest,
  LogoutData,
  LogoutRequest,
  ProfileData,
  ProfileRequest,
  RegistryPhoneData,
  RegistryPhoneRequest,
} from "./schemas/identity.ts";
import {
  AddMembersRequest,
  ChatKeyRows,
  ChatMembersData,
  ChatMembersRequest,
  ChatsKeysRequest,
  KeysRequest,
  LeaveChatRequest,
  LeftChat,
  RefusedKeyRows,
  RefuseKeysRequest,
  RemoveMemberRequest,
  RotateKeyRequest,
  SetRoleRequest,
  StoredKeyRows,
} from "./schemas/members.ts";
import { Message, MessagesData, MessagesRequest, SendMessageRequest } from "./schemas/messages.ts";

/**
 * Who may call a method. `pendingLogin`: the token `auth` gave, before `confirmAuth` confirms it; `session`:
 * a confirmed session (registering its phone); `sessionWithPhone`: a confirmed session whose profile has a
 * confirmed phone (NeedRegisterPhone otherwise). The token is the body's `token` or `Authorization: Bearer`.
 */
export type AuthLevel = "none" | "pendingLogin" | "session" | "sessionWithPhone";

/**
 * Which of the server's two body limits applies: `request` (CERTCHAT_MAX_REQUEST_BYTES, 1 MiB) or `upload`
 * (CERTCHAT_MAX_BODY_BYTES, 32 MiB: sendMessage alone carries files). An over-limit body answers HTTP 413.
 */
export type BodyLimit = "request" | "upload";

/** JSON, or a form: the deployed Android client sends `auth`, `confirmAuth` and `registryPhone` as forms. */
export const JSON_OR_FORM = ["application/json", "application/x-www-form-urlencoded"] as const;
export type RequestContentType = (typeof JSON_OR_FORM)[number];

/** One method: `POST <path>` (with or without the trailing slash), answered with the envelope. */
export interface ApiMethod {
  path: `/api/${string}/`;
  summary: string;
  /** The OpenAPI tag: the spec's section. */
  tag: "identity" | "profile" | "chats" | "messages" | "files";
  request: TSchema;
  /** The schema of the success envelope's `data`. */
  data: TSchema;
  auth: AuthLevel;
  bodyLimit: BodyLimit;
  /** The body types it takes (the server's body reader parses both for every method; OpenAPI lists them). */
  contentTypes: readonly RequestContentType[];
  /** Limited per client address (AuthenticationFailed over the rate), before the body is read. */
  rateLimited: boolean;
}

export const apiMethods = {
  auth: {
    path: "/api/auth/",
    summary: "Start a login with a certificate",
    tag: "identity",
    request: AuthRequest,
    data: AuthData,
    auth: "none",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: true,
  },
  confirmAuth: {
    path: "/api/confirmAuth/",
    summary: "Confirm the login by signing the nonce",
    tag: "identity",
    request: ConfirmAuthRequest,
    data: ConfirmAuthData,
    auth: "pendingLogin",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: true,
  },
  registryPhone: {
    path: "/api/registryPhone/",
    summary: "Send an SMS code to the phone",
    tag: "identity",
    request: RegistryPhoneRequest,
    data: RegistryPhoneData,
    auth: "session",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  confirmPhone: {
    path: "/api/confirmPhone/",
    summary: "Confirm the phone with the SMS code",
    tag: "identity",
    request: ConfirmPhoneRequest,
    data: ConfirmPhoneData,
    auth: "session",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  profile: {
    path: "/api/profile/",
    summary: "The caller's profile",
    tag: "profile",
    request: ProfileRequest,
    data: ProfileData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  contacts: {
    path: "/api/contacts/",
    summary: "The caller's chats, or registered profiles found by phone",
    tag: "chats",
    request: ContactsRequest,
    data: ContactsData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  createChat: {
    path: "/api/createChat/",
    summary: "Create a personal chat, group or channel with its wrapped keys",
    tag: "chats",
    request: CreateChatRequest,
    data: Contact,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  sendMessage: {
    path: "/api/sendMessage/",
    summary: "Send a message (text and/or file) to a chat",
    tag: "messages",
    request: SendMessageRequest,
    data: Message,
    auth: "sessionWithPhone",
    bodyLimit: "upload",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  messages: {
    path: "/api/messages/",
    summary: "A page of a chat's history",
    tag: "messages",
    request: MessagesRequest,
    data: MessagesData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  file: {
    path: "/api/file/",
    summary: "An encrypted file of a chat, base64 in data",
    tag: "files",
    request: FileRequest,
    data: FileData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  chatMembers: {
    path: "/api/chatMembers/",
    summary: "A chat's members with roles, key status and wait list",
    tag: "chats",
    request: ChatMembersRequest,
    data: ChatMembersData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  keys: {
    path: "/api/keys/",
    summary: "The session certificate's keys of a chat, by epoch",
    tag: "chats",
    request: KeysRequest,
    data: ChatKeyRows,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  chatsKeys: {
    path: "/api/chatsKeys/",
    summary: "Key rows for waiting member certificates (fulfilment)",
    tag: "chats",
    request: ChatsKeysRequest,
    data: StoredKeyRows,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  refuseKeys: {
    path: "/api/refuseKeys/",
    summary:
      "Refuse the session certificate's key rows that do not unwrap or verify; it waits for them again",
    tag: "chats",
    request: RefuseKeysRequest,
    data: RefusedKeyRows,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  addMembers: {
    path: "/api/addMembers/",
    summary: "Add members to a group or channel",
    tag: "chats",
    request: AddMembersRequest,
    data: ChatMembersData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  removeMember: {
    path: "/api/removeMember/",
    summary: "Remove a member and rotate the chat key",
    tag: "chats",
    request: RemoveMemberRequest,
    data: ChatMembersData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  rotateKey: {
    path: "/api/rotateKey/",
    summary: "Rotate the chat key to a new epoch",
    tag: "chats",
    request: RotateKeyRequest,
    data: ChatMembersData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  leaveChat: {
    path: "/api/leaveChat/",
    summary: "Leave a group or channel",
    tag: "chats",
    request: LeaveChatRequest,
    data: LeftChat,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  setRole: {
    path: "/api/setRole/",
    summary: "Promote or demote a member, or hand ownership over",
    tag: "chats",
    request: SetRoleRequest,
    data: ChatMembersData,
    auth: "sessionWithPhone",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
  logout: {
    path: "/api/logout/",
    summary: "End the caller's session (an extension: the token stops working on every node)",
    tag: "identity",
    request: LogoutRequest,
    data: LogoutData,
    auth: "session",
    bodyLimit: "request",
    contentTypes: JSON_OR_FORM,
    rateLimited: false,
  },
} as const satisfies Record<string, ApiMethod>;

export type MethodName = keyof typeof apiMethods;
export type RequestOf<M extends MethodName> = Static<(typeof apiMethods)[M]["request"]>;
export type DataOf<M extends MethodName> = Static<(typeof apiMethods)[M]["data"]>;
export type AuthOf<M extends MethodName> = (typeof apiMethods)[M]["auth"];
/** The methods limited per client address: their names are the limits' scopes. */
export type RateLimitedMethod = {
  [M in MethodName]: (typeof apiMethods)[M]["rateLimited"] extends true ? M : never;
}[MethodName];

/**
 * The raw download: not a method of the spec. The file's bytes, token in `Authorization: Bearer`; errors
 * carry the envelope with the code's raw-path status (`rawStatusOf`, protocol/errors.ts), never 200.
 */
export const fileDownload = {
  path: "/api/file/:chat/:file",
  summary: "An encrypted file of a chat as raw bytes (token in Authorization: Bearer)",
  tag: "files",
  params: FileParams,
  auth: "sessionWithPhone",
  contentType: "application/octet-stream",
} as const;

/** The download's path for one file, its parameters percent-encoded. */
export function fileDownloadPath(params: FileParams): string {
  return fileDownload.path.replace(/:(chat|file)\b/g, (_, name: keyof FileParams) =>
    encodeURIComponent(params[name]),
  );
}
