import WebSocket from "ws";

/**
 * A minimal Socket.IO 4 client (Engine.IO v4 over websocket only, text packets only) for load generation:
 * receivers hand each event packet over unparsed. A rough comparison here put socket.io-client at 1.5× the CPU
 * per received packet, and the load generator shares two cores with the server it measures. Wire format:
 * Engine.IO `0` open, `2` ping → `3` pong, `4` message; Socket.IO `0` connect, `2` event, `3` ack, `4` error.
 */
export class SioClient {
  private nextAckId = 0;
  private readonly acks = new Map<number, { resolve(args: unknown[]): void; reject(error: Error): void }>();
  /** Every event packet as received (`42["event",…]`), unparsed: receivers pick out what they need. */
  onEvent: (packet: string) => void = () => {};
  /** Called once when the connection ends (closed by the server, the network or close()). */
  onClose: () => void = () => {};

  private constructor(private readonly ws: WebSocket) {}

  /**
   * Connects to the default namespace with `auth` as the handshake's auth; rejects on a refused connect.
   * `localAddress`: the loopback address the connection comes from (each has its own ephemeral ports).
   */
  static connect(
    url: string,
    auth: Record<string, unknown>,
    timeoutMs = 15_000,
    localAddress?: string,
  ): Promise<SioClient> {
    const wsUrl = `${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false, ...(localAddress ? { localAddress } : {}) });
    const client = new SioClient(ws);
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      const timer = setTimeout(() => fail(new Error("socket did not connect in time")), timeoutMs);
      ws.on("error", fail);
      ws.on("message", (data: Buffer) => {
        const packet = data.toString("utf8");
        if (packet.startsWith("0")) ws.send(`40${JSON.stringify(auth)}`);
        else if (packet.startsWith("40")) {
          clearTimeout(timer);
          ws.off("error", fail);
          ws.on("error", () => {}); // reported by the close that follows
          ws.on("close", () => {
            client.failPending();
            client.onClose();
          });
          resolve(client);
        } else if (packet.startsWith("44")) fail(new Error(`connect refused: ${packet.slice(2)}`));
        else client.receive(packet);
      });
    });
  }

  private receive(packet: string): void {
    if (packet === "2") this.ws.send("3");
    else if (packet.startsWith("42")) this.onEvent(packet);
    else if (packet.startsWith("43")) {
      const open = packet.indexOf("[");
      const id = Number(packet.slice(2, open));
      const pending = this.acks.get(id);
      this.acks.delete(id);
      pending?.resolve(JSON.parse(packet.slice(open)) as unknown[]);
    }
  }

  /** A closed socket answers nothing more: its waiting acks fail now rather than at their timeouts. */
  private failPending(): void {
    for (const pending of this.acks.values()) pending.reject(new Error("socket closed"));
    this.acks.clear();
  }

  /** Emits `event` with one argument and an ack; resolves with the ack's arguments. */
  emitWithAck(event: string, payload: unknown, timeoutMs = 30_000): Promise<unknown[]> {
    const id = this.nextAckId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`no ack for ${event} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.acks.set(id, {
        resolve: (args) => {
          clearTimeout(timer);
          resolve(args);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.ws.send(`42${id}${JSON.stringify([event, payload])}`);
    });
  }

  /** Emits and returns the ack's envelope `data`, throwing on an error envelope. */
  async request(event: string, payload: unknown): Promise<unknown> {
    const [envelope] = (await this.emitWithAck(event, payload)) as [
      { success: boolean; error?: string; data?: unknown },
    ];
    if (!envelope?.success) throw new Error(`${event} failed: ${envelope?.error}`);
    return envelope.data;
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Connects `count` sockets, `parallel` handshakes at a time (a burst of thousands would time out). */
export async function connectMany(
  count: number,
  parallel: number,
  open: (index: number) => Promise<SioClient>,
): Promise<SioClient[]> {
  const sockets: SioClient[] = new Array(count);
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(parallel, count) }, async () => {
        while (next < count) {
          const index = next++;
          sockets[index] = await open(index);
        }
      }),
    );
  } catch (error) {
    for (const socket of sockets) socket?.close();
    throw error;
  }
  return sockets;
}
