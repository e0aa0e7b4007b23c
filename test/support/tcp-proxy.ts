import type { AddressInfo } from "node:net";
import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A loopback TCP proxy that a test can cut: `pause` drops every connection and refuses new ones; `mute` drops
 * what the server sends (a lost answer) until the next `pause`; `muteOpen` does so on the connections open now
 * only (a dead path to a database whose new connections work).
 */
export class TcpProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private paused = false;
  private muted = false;
  private readonly mutedClients = new Set<Socket>();

  constructor(target: URL) {
    this.server = createServer((client) => {
      if (this.paused) return void client.destroy();
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on("error", () => {});
        socket.on("close", () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.on("data", (chunk: Buffer) => {
        if (!this.muted && !this.mutedClients.has(client)) client.write(chunk);
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  mute(): void {
    this.muted = true;
  }

  muteOpen(): void {
    for (const socket of this.sockets) this.mutedClients.add(socket);
  }

  pause(): void {
    this.paused = true;
    this.muted = false;
    for (const socket of this.sockets) socket.destroy();
  }

  resume(): void {
    this.paused = false;
  }

  async stop(): Promise<void> {
    this.pause();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
