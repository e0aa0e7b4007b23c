import { io as connectCurrent, type Socket } from "socket.io-client";
import connectLegacy from "socket.io-client-v2";
import { type ChatUser, call, chatServerEnv, chatUser, keysFor, newChatKey } from "./chats.ts";
import { type ApiServer, type Envelope, startTestServer, type TestServer } from "./server.ts";
import type { Backend } from "./storage.ts";

export type LegacySocket = connectLegacy.LegacySocket;
/** What both client generations offer the tests. */
export type AnySocket = Socket | LegacySocket;

const WAIT_MS = 5_000;

/** A Socket.IO 4 client (Engine.IO v4); `token` goes in the handshake `auth`. Resolves once connected. */
export function connectV4(
  url: string,
  options: { token?: string; reconnection?: boolean } = {},
): Promise<Socket> {
  const socket = connectCurrent(url, {
    forceNew: true,
    reconnection: options.reconnection ?? false,
    ...(options.token ? { auth: { token: options.token } } : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve(socket));
    socket.once("connect_error", (error) => {
      socket.close();
      reject(error);
    });
  });
}

/**
 * A socket.io-client 2 socket as the Android client opens it: polling first, then the upgrade to websocket,
 * no handshake auth. Resolves once connected and upgraded.
 */
export function connectV2(url: string): Promise<LegacySocket> {
  const socket = connectLegacy(url, {
    forceNew: true,
    reconnection: false,
    transports: ["polling", "websocket"],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("legacy socket did not connect and upgrade")), WAIT_MS);
    socket.once("connect", () => {
      if (socket.io.engine.transport.name === "websocket") {
        clearTimeout(timer);
        resolve(socket);
        return;
      }
      socket.io.engine.once("upgrade", () => {
        clearTimeout(timer);
        resolve(socket);
      });
    });
    socket.once("connect_error", (error: unknown) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Emits with an ack callback; resolves with every argument the ack got. */
export function emitWithAckArgs(socket: AnySocket, event: string, ...args: unknown[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), WAIT_MS);
    (socket as LegacySocket).emit(event, ...args, (...answer: unknown[]) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

/**
 * Emits with an ack callback, without waiting for the ack; resolves with the envelope, rejects when none comes
 * within `ms` (default: a thousand sends queued behind a held lock, on a loaded machine).
 */
export function emitForAck(socket: Socket, event: string, payload: unknown, ms = 60_000): Promise<Envelope> {
  return new Promise((resolve, reject) =>
    socket.timeout(ms).emit(event, payload, (error: Error | null, envelope: Envelope) => {
      if (error) reject(error);
      else resolve(envelope);
    }),
  );
}

/**
 * Resolves once the server has read every event the socket emitted before: an event the API does not have is
 * answered at once, outside the socket's queue, and a socket's packets are read in order.
 */
export async function serverHasRead(socket: AnySocket): Promise<void> {
  const answer = await request(socket, "notAnEvent");
  if (answer.error !== "MethodNotFound") throw new Error(`notAnEvent answered ${JSON.stringify(answer)}`);
}

/** Emits and resolves with the ack's envelope (the ack must carry exactly one argument). */
export async function request(socket: AnySocket, event: string, ...args: unknown[]): Promise<Envelope> {
  const answer = await emitWithAckArgs(socket, event, ...args);
  if (answer.length !== 1) throw new Error(`${event} ack carried ${answer.length} arguments`);
  return answer[0] as Envelope;
}

/** Records every `event` the socket receives from now on. */
export function record(socket: AnySocket, event: string): unknown[] {
  const seen: unknown[] = [];
  (socket as LegacySocket).on(event, (payload: unknown) => seen.push(payload));
  return seen;
}

/** Waits until `predicate` holds (polling), failing after `ms`. */
export async function eventually(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  ms = WAIT_MS,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves on the socket's next `event`. */
export function nextEvent(socket: AnySocket, event: string, ms = WAIT_MS): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} event`)), ms);
    (socket as LegacySocket).once(event, (payload: unknown) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** `promise`, or a failure naming `what` after `ms` (a bound counted from the call, not from the promise's start). */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A personal chat of two users (keys for every certificate of both); returns its id. */
export async function chatBetween(server: ApiServer, a: ChatUser, b: ChatUser): Promise<string> {
  const keys = keysFor(newChatKey(), [a, b]);
  const created = await call<{ chatId: string }>(server, "/api/createChat/", {
    token: a.token,
    type: 0,
    keys,
  });
  return created.chatId;
}

/** A text message payload from `from` (ciphertext stands in as random-looking base64). */
export function textMessage(from: ChatUser, chat: string, text: string): Record<string, unknown> {
  return {
    chat,
    cid: from.cid,
    type: "txt",
    text: Buffer.from(text).toString("base64"),
    sign: from.user.sign(Buffer.from(text)),
  };
}

/** Closes sockets of either generation. */
export function closeAll(sockets: AnySocket[]): void {
  for (const socket of sockets) socket.close();
}

/** A server with Alice and Bob and their personal chat; `open` connects Socket.IO 4 clients that `close` closes. */
export interface SocketChat {
  server: TestServer;
  alice: ChatUser;
  bob: ChatUser;
  chat: string;
  open(token: string): Promise<Socket>;
  /** Closes every socket `open` connected, then the server. */
  close(): Promise<void>;
}

export async function startSocketChat(
  options: { backend?: Backend; env?: Record<string, string> } = {},
): Promise<SocketChat> {
  const server = await startTestServer({
    backend: options.backend,
    env: { ...chatServerEnv, ...options.env },
  });
  const sockets: Socket[] = [];
  const close = async () => {
    closeAll(sockets);
    await server.close();
  };
  try {
    const alice = await chatUser(server, "Алисова Алиса Петровна");
    const bob = await chatUser(server, "Бобров Борис Иванович");
    const chat = await chatBetween(server, alice, bob);
    return {
      server,
      alice,
      bob,
      chat,
      async open(token) {
        const socket = await connectV4(server.url, { token });
        sockets.push(socket);
        return socket;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
