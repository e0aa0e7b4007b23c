import type { CertchatIo } from "./context.ts";

/** A TCP socket (node:net), as far as corking goes. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The parts of an Engine.IO connection this relies on: its public `flush` event (emitted just before the
 * write buffer is handed to the transport, synchronously), and the websocket transport's `ws` WebSocket,
 * whose TCP socket ws keeps in `_socket` (internal, stable across ws 7–8).
 */
interface EngineConnection {
  transport: { name: string; socket?: { _socket?: Partial<Corkable> } };
  on(event: "flush", listener: (buffer: readonly unknown[]) => void): void;
}

function tcpOf(connection: EngineConnection): Corkable | undefined {
  if (connection.transport.name !== "websocket") return undefined;
  const tcp = connection.transport.socket?._socket;
  return typeof tcp?.cork === "function" && typeof tcp.uncork === "function" ? (tcp as Corkable) : undefined;
}

/**
 * Engine.IO writes a websocket connection's buffered packets as one frame each, and ws writes every frame
 * with its own system call: packets that waited while a write was in flight (the live messages of one commit
 * batch after the first, SocketMessagePublisher) cost one `writev` each. Corking the TCP socket while
 * Engine.IO hands such a buffer over makes them one `writev`, the same bytes on the wire. Uncorked in the
 * same tick (process.nextTick), so nothing waits for a later turn of the event loop.
 */
export function coalesceBufferedFrames(io: CertchatIo): void {
  io.engine.on("connection", (connection: EngineConnection) => {
    connection.on("flush", (buffer) => {
      if (buffer.length < 2) return;
      const tcp = tcpOf(connection);
      if (!tcp) return;
      tcp.cork();
      process.nextTick(() => tcp.uncork());
    });
  });
}
