import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface SmsMessage {
  phone: string;
  code: string;
  text: string;
}

/**
 * A real HTTP SMS gateway on loopback for the `http` provider: it records every message, and can be told to
 * fail (HTTP 500) or to hang past the provider's timeout.
 */
export class TestSmsGateway {
  readonly messages: SmsMessage[] = [];
  mode: "ok" | "fail" | "hang" = "ok";
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        if (this.mode === "hang") return;
        if (this.mode === "fail") {
          response.writeHead(500).end("gateway down");
          return;
        }
        this.messages.push(JSON.parse(body) as SmsMessage);
        response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/sms`;
  }

  lastCodeFor(phone: string): SmsMessage | undefined {
    return this.messages.filter((message) => message.phone === phone).at(-1);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
