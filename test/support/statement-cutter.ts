import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * Where a connection is cut: before its statement reaches PostgreSQL (it never runs), right after (it runs
 * unless PostgreSQL notices the cut first), or once PostgreSQL answers it (it ran, committed, and the client
 * never hears so).
 */
export type CutPoint = "before-statement" | "after-statement" | "before-answer";

/**
 * A loopback TCP proxy in front of PostgreSQL that cuts, once, the connection that sends a statement whose
 * text contains a marker; every other byte passes through untouched.
 */
export class StatementCutter {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private armed: { marker: string; at: CutPoint; cut: () => void } | undefined;
  private watched: { marker: string; seen: () => void }[] = [];

  constructor(target: URL) {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      let cutting: (() => void) | undefined;
      let muted = false;
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
        const seen = this.watched.filter((watch) => chunk.includes(watch.marker));
        this.watched = this.watched.filter((watch) => !seen.includes(watch));
        for (const watch of seen) watch.seen();
        const armed = this.armed;
        if (armed && chunk.includes(armed.marker)) {
          this.armed = undefined;
          if (armed.at === "before-statement") {
            cut();
            return armed.cut();
          }
          if (armed.at === "after-statement") {
            // pg corks a statement's messages (Parse … Sync) into one write: this chunk is all of it. The
            // client's side goes once it is on its way (PostgreSQL reads it before the end of the stream).
            muted = true;
            upstream.end(chunk, () => {
              client.destroy();
              armed.cut();
            });
            return;
          }
          cutting = armed.cut;
        }
        upstream.write(chunk);
      });
      upstream.on("data", (chunk: Buffer) => {
        if (muted) return;
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

  /** Resolves when a connection next sends a statement containing `marker` (passed on untouched). */
  seen(marker: string): Promise<void> {
    return new Promise((seen) => this.watched.push({ marker, seen }));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
