import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * Where a connection is cut: before its statement reaches PostgreSQL (it never runs), or once PostgreSQL
 * answers it (it ran, committed, and the client never hears so).
 */
export type CutPoint = "before-statement" | "before-answer";

/**
 * A loopback TCP proxy in front of PostgreSQL that cuts, once, the connection that sends a statement whose
 * text contains a marker; every other byte passes through untouched.
 */
export class StatementCutter {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private armed: { marker: string; at: CutPoint; cut: () => void } | undefined;

  constructor(target: URL) {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      let cutting: (() => void) | undefined;
      const cut = () => {
        client.destroy();
        upstream.destroy();
      };
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          this.sockets.delete(socket);
          cut();
        });
      }
      client.on("data", (chunk: Buffer) => {
        const armed = this.armed;
        if (armed && chunk.includes(armed.marker)) {
          this.armed = undefined;
          if (armed.at === "before-statement") {
            cut();
            return armed.cut();
          }
          cutting = armed.cut;
        }
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => {
        if (!cutting) return void client.write(chunk);
        // PostgreSQL answers once the statement has run (and, alone in its transaction, committed).
        cut();
        cutting();
      });
    });
  }

  /** The proxy's URL for a database URL of the same server. */
  async start(databaseUrl: string): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    const url = new URL(databaseUrl);
    url.hostname = "127.0.0.1";
    url.port = String((this.server.address() as AddressInfo).port);
    return url.toString();
  }

  /** Cuts the next connection to send a statement containing `marker`; resolves once it is cut. */
  cutNext(marker: string, at: CutPoint): Promise<void> {
    return new Promise((cut) => {
      this.armed = { marker, at, cut };
    });
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
