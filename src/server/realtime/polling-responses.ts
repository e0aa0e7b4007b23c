import type { ServerResponse } from "node:http";
import type { CertchatIo } from "./context.ts";
import { packetBytes } from "./send-backlog.ts";

/** A polling GET's response, as far as this module waits for it and cuts it off. */
type PollResponse = Pick<ServerResponse, "once" | "destroy" | "destroyed" | "writableFinished">;

/**
 * The parts of an Engine.IO connection this relies on: its public `flush`, `upgrade` and `close` events (`flush`
 * is emitted just before the write buffer goes to the transport, synchronously) and the polling transport's
 * `res`, the pending GET's response the buffer is about to be written to.
 */
interface EngineConnection {
  transport: { name: string; res?: PollResponse | null; socket?: unknown };
  on(event: "flush", listener: (buffer: readonly { data?: unknown }[]) => void): void;
  off(event: "flush", listener: (buffer: readonly { data?: unknown }[]) => void): void;
  once(event: "upgrade", listener: (transport: { socket?: unknown }) => void): void;
  once(event: "close", listener: () => void): void;
}

/** What send-backlog.ts reads of a transport's `socket`: bytes not yet taken by the kernel, and a hard close. */
interface BufferedSocket {
  readonly bufferedAmount: number;
  terminate(): void;
}

/**
 * The responses of a connection's polling GETs not yet handed to the kernel (their `finish` has not fired), and
 * their bytes as Engine.IO's write buffer counted them (send-backlog.ts packetBytes; before compression).
 */
export class HeldResponses implements BufferedSocket {
  private readonly held = new Map<PollResponse, number>();
  private bytes = 0;

  get bufferedAmount(): number {
    return this.bytes;
  }

  hold(response: PollResponse, bytes: number): void {
    // A response already cut off holds nothing, and may have had its last event.
    if (response.destroyed || response.writableFinished || this.held.has(response)) return;
    this.held.set(response, bytes);
    this.bytes += bytes;
    const release = () => {
      if (!this.held.delete(response)) return;
      this.bytes -= bytes;
    };
    response.once("finish", release);
    response.once("close", release);
  }

  /** Cuts every held response off: their sockets and the bytes queued in them go. */
  terminate(): void {
    for (const response of [...this.held.keys()]) response.destroy();
  }
}

/**
 * On an upgraded connection, the websocket also reports (and, closed hard, cuts off) the polling responses the
 * client left unread: they stay in memory until they finish or close. Patches this one ws instance only: a
 * connection that upgraded with nothing held — every client that reads — keeps ws's own getter.
 */
function reportAlongside(ws: unknown, held: HeldResponses): void {
  const target = ws as { bufferedAmount?: number; terminate?: () => void } | undefined;
  if (!target || typeof target.terminate !== "function") return;
  const ownAmount = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(target), "bufferedAmount")?.get;
  if (!ownAmount) return;
  const terminate = target.terminate;
  Object.defineProperty(target, "bufferedAmount", {
    configurable: true,
    get: () => (ownAmount.call(target) as number) + held.bufferedAmount,
  });
  target.terminate = () => {
    held.terminate();
    terminate.call(target);
  };
}

/**
 * Makes what a polling client has not read of its answers count in send-backlog.ts. A GET takes Engine.IO's write
 * buffer into its HTTP response, which the client need not read — it can send every GET on a new TCP connection
 * and leave it — so the bytes leave the write buffer for a socket buffer nothing counted. Here each polling
 * transport gets a stand-in `socket` whose `bufferedAmount` is the bytes of its connection's responses not yet
 * finished, which readDownTo and closeNonReaders read as they read a websocket's (a websocket connection gets
 * no listener: its cost is unchanged). When the connection closes, its held responses are cut off: nothing
 * would count them any more, and a client could leave pages behind on every connection it opens.
 */
export function countPollingResponses(io: CertchatIo): void {
  io.engine.on("connection", (connection: EngineConnection) => {
    const polling = connection.transport;
    if (polling.name !== "polling") return;
    const held = new HeldResponses();
    polling.socket = held;
    const onFlush = (buffer: readonly { data?: unknown }[]) => {
      const response = connection.transport.res;
      if (!response) return;
      let bytes = 0;
      for (const packet of buffer) bytes += packetBytes(packet);
      held.hold(response, bytes);
    };
    connection.on("flush", onFlush);
    connection.once("upgrade", (websocket) => {
      connection.off("flush", onFlush);
      if (held.bufferedAmount > 0) reportAlongside(websocket.socket, held);
    });
    connection.once("close", () => held.terminate());
  });
}
