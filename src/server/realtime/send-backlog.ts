import { setTimeout as delay } from "node:timers/promises";

/**
 * The parts of an Engine.IO connection whose size tells what a client has not read yet: the packets waiting in
 * Engine.IO's write buffer (while a write is in flight, or until a polling client's next GET) and, on a websocket,
 * what ws and the TCP socket hold that the kernel would not take (`bufferedAmount`).
 */
export interface BackloggedConnection {
  readyState: string;
  writeBuffer: readonly { data?: unknown }[];
  transport: { socket?: { bufferedAmount?: number } };
}

/** How often a socket over its backlog bound looks again whether its client has read. */
const RECHECK_MS = 50;

function packetBytes(packet: { data?: unknown }): number {
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
