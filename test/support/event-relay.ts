import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";

/**
 * A Socket.IO server in front of a certchat server: each client connection gets its own connection upstream
 * (with the client's handshake `auth`), and events go through both ways, acks included. It records the names
 * of the events clients send, and answers those it is told to refuse MethodNotFound, as a server that does
 * not have them (an older one) answers, and holds the acks of the events given delays for that long (a slow link).
 */
export class EventRelay {
  /** The client events seen so far, in arrival order. */
  readonly events: string[] = [];
  private readonly http = createServer();
  private readonly io = new Server(this.http);

  constructor(
    target: string,
    refused: readonly string[] = [],
    ackDelaysMs: Readonly<Record<string, number>> = {},
  ) {
    this.io.on("connection", (socket) => {
      const upstream = connect(target, {
        forceNew: true,
        reconnection: false,
        transports: ["websocket"],
        auth: socket.handshake.auth,
      });
      socket.onAny((event: string, ...args: unknown[]) => {
        this.events.push(event);
        const ack = typeof args.at(-1) === "function" ? (args.pop() as (answer: unknown) => void) : undefined;
        if (refused.includes(event)) return ack?.({ success: false, error: "MethodNotFound" });
        const delayMs = ackDelaysMs[event];
        if (ack && delayMs !== undefined)
          upstream.emit(event, ...args, (answer: unknown) => setTimeout(() => ack(answer), delayMs));
        else if (ack) upstream.emit(event, ...args, ack);
        else upstream.emit(event, ...args);
      });
      upstream.onAny((event: string, ...args: unknown[]) => socket.emit(event, ...args));
      socket.on("disconnect", () => upstream.close());
      upstream.on("disconnect", () => socket.conn.close());
    });
  }

  /** Sends an event of the relay's own to every client connected (a hostile server's payload). */
  inject(event: string, ...args: unknown[]): void {
    this.io.emit(event, ...args);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.http.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}

/** How many of each event name (of a relay's `events`). */
export function tally(events: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event] = (counts[event] ?? 0) + 1;
  return counts;
}
