/**
 * Typed calls for every endpoint of the certchat HTTP API (docs/API.md). Requests and answers use the
 * protocol schemas' types; an error envelope becomes a `CertchatApiError` carrying the API error code.
 * Works wherever `fetch` does (Node 20, browsers).
 */
import type { ErrorCode } from "../protocol/errors.ts";
import type { Contact, ContactsData, CreateChatRequest } from "../protocol/schemas/chats.ts";
import type { FileData } from "../protocol/schemas/files.ts";
import type {
  AuthData,
  AuthRequest,
  ConfirmAuthData,
  ConfirmPhoneData,
  ProfileData,
  RegistryPhoneData,
} from "../protocol/schemas/identity.ts";
import type {
  Message,
  MessagesData,
  MessagesRequest,
  SendMessageRequest,
} from "../protocol/schemas/messages.ts";

/** A request as the SDK takes it: the token travels in the Authorization header, never in the body. */
export type WithoutToken<T> = Omit<T, "token">;

export class CertchatApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = describeErrorCode(code),
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "CertchatApiError";
  }
}

const ERROR_SENTENCES: Partial<Record<ErrorCode, string>> = {
  CommonError: "the server failed unexpectedly",
  DataError: "the data is too large, or the file is unknown",
  AuthenticationFailed: "login failed: the nonce was used or expired, or too many attempts",
  NeedAuthentication: "not logged in: run `certchat login`",
  SessionExpired: "the session expired: run `certchat login` again",
  CertificateExpired: "the certificate has expired",
  IncorrectCode: "the SMS code is wrong or expired",
  NeedRegisterPhone:
    "this profile has no confirmed phone yet, or this certificate is new to it: log in with --phone",
  PhoneAlreadyRegistered:
    "the phone belongs to another person, or is not the phone of the profile this certificate renews",
  InvalidSchema: "the server refused the request as malformed",
  InvalidSignature: "the signature does not verify with the certificate",
  InvalidCertificate: "the certificate is not trusted, revoked, or not of this profile",
  CryptoError: "the server could not check the signature now; try again",
  SMSError: "the SMS could not be sent (gateway failure or resend limit)",
  CreateChatKeysError: "the chat keys do not cover every member certificate",
  CreateChatError: "the chat could not be created",
  GetChatsError: "no such chat, or you are not a member (or may not post in this channel)",
  NetworkError: "the server could not be reached",
  InvalidResponse: "the server's answer was not a certchat envelope",
};

/** One human sentence for an API error code. */
export function describeErrorCode(code: ErrorCode): string {
  return ERROR_SENTENCES[code] ?? code;
}

interface Envelope<T> {
  success: boolean;
  error?: ErrorCode;
  data?: T;
}

/** The raw encrypted bytes of a file, as a stream with its length. */
export interface FileDownload {
  readonly size: number;
  readonly body: ReadableStream<Uint8Array>;
}

export class CertchatApi {
  /** The server's base URL without a trailing slash. */
  readonly server: string;
  token: string | undefined;

  constructor(server: string, token?: string) {
    this.server = server.replace(/\/+$/, "");
    this.token = token;
  }

  /** Opens a session: the token is kept for the following calls. */
  async auth(request: AuthRequest): Promise<AuthData> {
    const data = await this.call<AuthData>("auth", request);
    this.token = data.token;
    return data;
  }

  confirmAuth(sign: string): Promise<ConfirmAuthData> {
    return this.call("confirmAuth", { sign });
  }

  registryPhone(phone: string): Promise<RegistryPhoneData> {
    return this.call("registryPhone", { phone });
  }

  confirmPhone(id: number, code: string): Promise<ConfirmPhoneData> {
    return this.call("confirmPhone", { id, code });
  }

  profile(): Promise<ProfileData> {
    return this.call("profile", {});
  }

  /** Without phones: the caller's chats; with phones: the registered profiles holding them. */
  contacts(phones?: readonly string[]): Promise<ContactsData> {
    return this.call("contacts", phones ? { phones } : {});
  }

  createChat(request: WithoutToken<CreateChatRequest>): Promise<Contact> {
    return this.call("createChat", request);
  }

  sendMessage(request: WithoutToken<SendMessageRequest>): Promise<Message> {
    return this.call("sendMessage", request);
  }

  messages(request: WithoutToken<MessagesRequest>): Promise<MessagesData> {
    return this.call("messages", request);
  }

  /** The encrypted file as base64 (the spec's method; the whole file in one JSON answer). */
  file(chat: string, file: string): Promise<FileData> {
    return this.call("file", { chat, file });
  }

  /** The encrypted file as a byte stream (GET /api/file/:chat/:file), for large files. */
  async downloadFile(chat: string, file: string): Promise<FileDownload> {
    const url = `${this.server}/api/file/${encodeURIComponent(chat)}/${encodeURIComponent(file)}`;
    const response = await this.fetch(url, { method: "GET", headers: this.authorization() });
    if (!response.ok || !response.body) {
      const envelope = await readEnvelope<never>(response);
      throw new CertchatApiError(envelope.error ?? "InvalidResponse");
    }
    return { size: Number(response.headers.get("content-length") ?? 0), body: response.body };
  }

  private async call<T>(method: string, body: object): Promise<T> {
    const response = await this.fetch(`${this.server}/api/${method}/`, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.authorization() },
      body: JSON.stringify(body),
    });
    const envelope = await readEnvelope<T>(response);
    if (!envelope.success) throw new CertchatApiError(envelope.error ?? "InvalidResponse");
    if (envelope.data === undefined) throw new CertchatApiError("InvalidResponse");
    return envelope.data;
  }

  private authorization(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (cause) {
      throw new CertchatApiError("NetworkError", `the server ${this.server} could not be reached`, {
        cause,
      });
    }
  }
}

async function readEnvelope<T>(response: Response): Promise<Envelope<T>> {
  try {
    const parsed = (await response.json()) as Envelope<T>;
    if (typeof parsed?.success !== "boolean") throw new Error("no success field");
    return parsed;
  } catch {
    throw new CertchatApiError(
      "InvalidResponse",
      `the server answered HTTP ${response.status} without an envelope`,
    );
  }
}
