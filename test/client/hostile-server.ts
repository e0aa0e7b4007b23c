import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type IdentityPins, Messenger, type Signer, signatureVerifier } from "../../src/client/index.ts";
import type { TrustInput } from "../../src/pki/trust.ts";
import type { Contact } from "../../src/protocol/schemas/chats.ts";
import type { WaitEntry } from "../../src/protocol/schemas/members.ts";

/**
 * Rewrites the `data` of one method's success answer (the method's name, as in protocol/routes.ts: "contacts",
 * "messages", …); `request` is the client's JSON body. Returns the data to send instead, or a promise of it (the
 * answer is held until it settles: a test can hold answers to make clients race).
 */
export type Rewrite = (data: unknown, request: unknown) => unknown;

/**
 * A malicious server for SDK tests: an HTTP proxy in front of a real certchat server that passes every REST call
 * through and rewrites the JSON answers of the methods it is given rewrites for (docs/CRYPTO.md: the server is not
 * trusted for confidentiality, integrity or whose certificate is whose). The real server does all the work; only
 * what the client is told changes. No Socket.IO: the SDK's REST calls only.
 */
export class HostileServer {
  /** Method name → how its answers are rewritten; set and cleared by the tests. */
  readonly rewrites = new Map<string, Rewrite>();
  /** Method name → how the client's JSON body is changed before the real server gets it (after `asked` saw it). */
  readonly requestRewrites = new Map<string, (body: unknown) => unknown>();
  /** Every REST call relayed, in order: its method and the client's JSON body (what the client sent). */
  readonly asked: { readonly method: string; readonly body: unknown }[] = [];
  private readonly http = createServer((request, response) => void this.relay(request, response));

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  /** `contacts` answers list `waiting` on chat `chatId`'s wait list, beside what the real server lists. */
  addToWaitList(chatId: string, waiting: Pick<WaitEntry, "pid" | "cid" | "cert" | "since" | "keyIds">): void {
    this.rewrites.set("contacts", (data) =>
      (data as Contact[]).map((contact) =>
        contact.chatId === chatId
          ? { ...contact, waitList: [...(contact.waitList ?? []), waiting] }
          : contact,
      ),
    );
  }

  /** The key rows the client posted with `chatsKeys` for certificate `cid` (since `asked` was last cleared). */
  keyRowsSentTo(cid: number): unknown[] {
    return this.asked.flatMap(({ method, body }) =>
      method === "chatsKeys"
        ? (body as { keys: { cid: number }[] }).keys.filter((row) => row.cid === cid)
        : [],
    );
  }

  async stop(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async relay(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "authorization"]) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const method = /^\/api\/([A-Za-z]+)\/$/.exec(request.url ?? "")?.[1];
    const asked: unknown =
      body.length > 0 && request.headers["content-type"]?.startsWith("application/json")
        ? JSON.parse(body.toString("utf8"))
        : undefined;
    if (method !== undefined) this.asked.push({ method, body: asked });
    const changeRequest = method === undefined ? undefined : this.requestRewrites.get(method);
    const sent = changeRequest ? Buffer.from(JSON.stringify(changeRequest(asked))) : body;
    const upstream = await fetch(`${this.target}${request.url}`, {
      method: request.method ?? "GET",
      headers,
      ...(sent.length > 0 ? { body: sent } : {}),
    });
    let answer: Buffer = Buffer.from(await upstream.arrayBuffer());
    const rewrite = method === undefined ? undefined : this.rewrites.get(method);
    if (rewrite) {
      const envelope = JSON.parse(answer.toString("utf8")) as { success: boolean; data?: unknown };
      if (envelope.success) {
        envelope.data = await rewrite(envelope.data, asked);
        answer = Buffer.from(JSON.stringify(envelope));
      }
    }
    response.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/octet-stream",
      "content-length": String(answer.length),
    });
    response.end(answer);
  }
}

/**
 * Another session of an already registered certificate, logged in through `server` (the hostile proxy), with the
 * identity pins earlier sessions kept, if given.
 */
export async function loginThrough(
  server: string,
  signer: Signer,
  trust: TrustInput,
  pins?: IdentityPins,
): Promise<Messenger> {
  return Messenger.login({ server, signer, verifier: signatureVerifier(), trust, fulfil: false, pins });
}
