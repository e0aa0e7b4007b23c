import { io as connectCurrent, type Socket } from "socket.io-client";
import connectLegacy from "socket.io-client-v2";
import { type ChatUser, call, keysFor, newChatKey } from "./chats.ts";
import type { ApiServer, Envelope } from "./server.ts";

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
export async function eventually(predicate: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
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
