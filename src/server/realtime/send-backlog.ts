import { setTimeout as delay } from "node:timers/promises";

/**
 * The parts of an Engine.IO connection whose size tells what a client has not read yet: the packets waiting in
 * Engine.IO's write buffer (while a write is in flight, or until a polling client's next GET) and the transport's
 * `bufferedAmount`: on a websocket, what ws and the TCP socket hold that the kernel would not take; on polling,
 * the GET responses not yet handed to the kernel (polling-responses.ts gives the transport that `socket`).
 */
export interface BackloggedConnection {
  readyState: string;
  writeBuffer: readonly { data?: unknown }[];
  transport: { socket?: { bufferedAmount?: number } };
}

/** How often a socket over its backlog bound looks again whether its client has read. */
const RECHECK_MS = 50;

/** A packet's bytes as Engine.IO buffers it (strings in UTF-16 units: an estimate). */
export function packetBytes(packet: { data?: unknown }): number {
  const { data } = packet;
  if (typeof data === "string") return data.length;
  if (data instanceof Uint8Array || data instanceof ArrayBuffer) return data.byteLength;
  return 0;
}

/** Bytes sent to the client and not yet taken by the kernel (strings counted in UTF-16 units: an estimate). */
export function unsentBytes(connection: BackloggedConnection): number {
  let bytes = connection.transport.socket?.bufferedAmount ?? 0;
  for (const packet of connection.writeBuffer) bytes += packetBytes(packet);
  return bytes;
}

/**
 * Resolves once the client has read its answers down to `limit` bytes unsent, or its connection closed. A socket's
 * next event waits for it (gateway.ts): a client that asks and never reads — eight-megabyte history pages for
 * sixty-byte requests — would otherwise make the server hold every answer. Waiting is backpressure, as for a
 * sender far ahead: its later events queue up to the queue's own bounds and are refused there (`DataError`).
 */
export async function readDownTo(connection: BackloggedConnection, limit: number): Promise<void> {
  while (connection.readyState !== "closed" && unsentBytes(connection) > limit)
    await delay(RECHECK_MS, undefined, { ref: false });
}

/** A socket as closeNonReaders sees it: its Engine.IO connection, which it can close. */
export interface ReaderSocket {
  id: string;
  conn: BackloggedConnection & {
    /** `discard`: now, without waiting for the write buffer to drain (it never would). */
    close(discard: boolean): void;
    transport: { socket?: { terminate?: () => void } };
  };
}

/**
 * Every `intervalMs`, closes the connections whose client has left more than `limit` bytes unread: live messages
 * to a subscribed socket do not wait for anything (readDownTo bounds only a socket's own answers), so a client
 * that stops reading — or an attacker's idle subscribers of a busy chat — would make the server hold every
 * message sent meanwhile. The bound holds for every socket of one owner (`ownerOf`: its profile) together too:
 * where they leave more than `limit` unread between them, the ones holding most are closed until the rest fit
 * (outside review attack12: each of a profile's sockets held its own bound). Closing the transport, not a
 * Socket.IO disconnect: the client reconnects and catches up from history, as after any dropped connection. A
 * look at an empty write buffer is two property reads.
 */
export function closeNonReaders<S extends ReaderSocket>(
  sockets: () => Iterable<S>,
  limit: number,
  intervalMs: number,
  onClose: (socket: S, unsent: number) => void,
  ownerOf: (socket: S) => number | undefined = () => undefined,
): { stop(): void } {
  const close = (socket: S, unsent: number) => {
    onClose(socket, unsent);
    socket.conn.close(true);
    // ws would otherwise keep its unsent frames for its 30 s closing handshake, which the client never reads.
    socket.conn.transport.socket?.terminate?.();
  };
  const timer = setInterval(() => {
    const byOwner = new Map<number, { socket: S; unsent: number }[]>();
    for (const socket of sockets()) {
      const unsent = unsentBytes(socket.conn);
      if (unsent === 0) continue;
      if (unsent > limit) {
        close(socket, unsent);
        continue;
      }
      const owner = ownerOf(socket);
      if (owner === undefined) continue;
      const held = byOwner.get(owner);
      if (held) held.push({ socket, unsent });
      else byOwner.set(owner, [{ socket, unsent }]);
    }
    for (const held of byOwner.values()) {
      let total = held.reduce((sum, { unsent }) => sum + unsent, 0);
      if (total <= limit) continue;
      held.sort((a, b) => b.unsent - a.unsent);
      for (const { socket, unsent } of held) {
        if (total <= limit) break;
        close(socket, unsent);
        total -= unsent;
      }
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
