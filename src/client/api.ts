/**
 * Typed calls for every endpoint of the certchat HTTP API (docs/API.md). Requests and answers use the
 * protocol schemas' types; an error envelope becomes a `CertchatApiError` carrying the API error code.
 * Works wherever `fetch` does (Node 20, browsers).
 */
import { describeErrorCode, type ErrorCode } from "../protocol/errors.ts";
import {
  apiMethods,
  type DataOf,
  fileDownloadPath,
  type MethodName,
  type RequestOf,
} from "../protocol/routes.ts";
import type { Contact, ContactsData, CreateChatRequest } from "../protocol/schemas/chats.ts";
import type { Envelope } from "../protocol/schemas/common.ts";
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

export type { DataOf, MethodName, RequestOf };
export { describeErrorCode };

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

  /**
   * Any method of the API by its name (protocol/routes.ts): the request without its token, the answer's
   * `data`; an error envelope throws CertchatApiError. `auth` keeps its token for the following calls.
   */
  async call<M extends MethodName>(name: M, request: WithoutToken<RequestOf<M>>): Promise<DataOf<M>> {
    const response = await this.fetch(`${this.server}${apiMethods[name].path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...this.authorization() },
      body: JSON.stringify(request),
    });
    const envelope = await readEnvelope<DataOf<M>>(response);
    // A server that is not certchat may leave out `error` or `data`.
    if (!envelope.success) throw new CertchatApiError(envelope.error ?? "InvalidResponse");
    if (envelope.data === undefined) throw new CertchatApiError("InvalidResponse");
    if (name === "auth") this.token = (envelope.data as DataOf<"auth">).token;
    return envelope.data;
  }

  /** Opens a session: the token is kept for the following calls. */
  auth(request: AuthRequest): Promise<AuthData> {
    return this.call("auth", request);
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

  /** Ends this session on the server (an extension): the token stops working everywhere. */
  async logout(): Promise<void> {
    await this.call("logout", {});
  }

  /** Without phones: the caller's chats; with phones: the registered profiles holding them. */
  contacts(phones?: readonly string[]): Promise<ContactsData> {
    return this.call("contacts", phones ? { phones: [...phones] } : {});
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
    const url = `${this.server}${fileDownloadPath({ chat, file })}`;
    const response = await this.fetch(url, { method: "GET", headers: this.authorization() });
    if (!response.ok || !response.body) {
      const envelope = await readEnvelope<never>(response);
      throw new CertchatApiError(envelope.error ?? "InvalidResponse");
    }
    return { size: Number(response.headers.get("content-length") ?? 0), body: response.body };
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
