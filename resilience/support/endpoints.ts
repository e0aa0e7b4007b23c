/**
 * Every method of the API (docs/API.md) and every client → server socket event, with a valid request built
 * from a scene of real ids. The fuzzer mutates these; the access matrix sends them with the wrong token.
 */

/** Real values a valid request needs: the caller's chat, certificate, file and a login to confirm. */
export interface Scene {
  /** A certificate (base64 DER) and the signature of its DER: an /api/auth/ body that succeeds. */
  cert: string;
  certSign: string;
  /** A signature of some nonce: well-formed, but not of the current nonce. */
  nonceSign: string;
  phone: string;
  /** A phone code id of the caller and a (wrong) code. */
  codeId: number;
  chat: string;
  /** The caller's session certificate. */
  cid: number;
  file: string;
  /** createChat keys for the caller and one other profile (with whom the caller has a personal chat). */
  keys: { pid: number; cid: number; key: string }[];
  /** A text message: ciphertext and its signature. */
  text: string;
  textSign: string;
}

export interface ApiMethod {
  name: string;
  /** The spec's path, with its trailing slash. */
  path: string;
  /** False only for /api/auth/, which starts a session. */
  takesToken: boolean;
  /** True when the request names a chat (so a non-member must be refused). */
  chatScoped: boolean;
  /** The body without the token. */
  body(scene: Scene): Record<string, unknown>;
}

export const apiMethods: readonly ApiMethod[] = [
  {
    name: "auth",
    path: "/api/auth/",
    takesToken: false,
    chatScoped: false,
    body: (s) => ({ cert: s.cert, sign: s.certSign }),
  },
  {
    name: "confirmAuth",
    path: "/api/confirmAuth/",
    takesToken: true,
    chatScoped: false,
    body: (s) => ({ sign: s.nonceSign }),
  },
  {
    name: "registryPhone",
    path: "/api/registryPhone/",
    takesToken: true,
    chatScoped: false,
    body: (s) => ({ phone: s.phone }),
  },
  {
    name: "confirmPhone",
    path: "/api/confirmPhone/",
    takesToken: true,
    chatScoped: false,
    body: (s) => ({ id: s.codeId, code: "000000" }),
  },
  { name: "profile", path: "/api/profile/", takesToken: true, chatScoped: false, body: () => ({}) },
  {
    name: "contacts",
    path: "/api/contacts/",
    takesToken: true,
    chatScoped: false,
    body: (s) => ({ phones: [s.phone] }),
  },
  {
    name: "createChat",
    path: "/api/createChat/",
    takesToken: true,
    chatScoped: false,
    // The existing personal chat of the caller and the keys' other profile: valid, yet it stores nothing
    // (a fuzzer creating a group on every unmutated input would grow every chat list without bound).
    body: (s) => ({ type: 0, name: "Отдел продаж", keys: s.keys }),
  },
  {
    name: "sendMessage",
    path: "/api/sendMessage/",
    takesToken: true,
    chatScoped: true,
    body: (s) => ({ chat: s.chat, cid: s.cid, type: "txt", text: s.text, sign: s.textSign }),
  },
  {
    name: "messages",
    path: "/api/messages/",
    takesToken: true,
    chatScoped: true,
    body: (s) => ({ chat: s.chat, id: 0, rel: "next" }),
  },
  {
    name: "file",
    path: "/api/file/",
    takesToken: true,
    chatScoped: true,
    body: (s) => ({ chat: s.chat, file: s.file }),
  },
];

/** The raw download, GET /api/file/:chat/:file with the token in Authorization: Bearer. */
export function rawFilePath(chat: string, file: string): string {
  return `/api/file/${encodeURIComponent(chat)}/${encodeURIComponent(file)}`;
}

export interface SocketEvent {
  name: string;
  /** The payload, as the client emits it (the token never goes in it, except for `session`). */
  payload(scene: Scene, token: string): unknown;
}

export const socketEvents: readonly SocketEvent[] = [
  { name: "session", payload: (_s, token) => token },
  { name: "subscribe", payload: (s) => s.chat },
  { name: "unsubscribe", payload: (s) => s.chat },
  {
    name: "sendMessage",
    payload: (s) => ({ chat: s.chat, cid: s.cid, type: "txt", text: s.text, sign: s.textSign, localId: 1 }),
  },
  { name: "messages", payload: (s) => ({ chat: s.chat, id: 0, rel: "next" }) },
];
