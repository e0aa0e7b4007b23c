import { Agent, request } from "node:http";

export interface Envelope {
  success: boolean;
  error?: string;
  data?: unknown;
}

/**
 * A lean keep-alive JSON client over node:http for load generation: fetch costs several times more CPU per
 * request, and the load generator shares the machine (and the process) with the server it measures.
 */
export class JsonClient {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(baseUrl: string, connections: number) {
    this.url = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  post(path: string, body: unknown): Promise<Envelope> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          path,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Envelope);
            } catch (error) {
              reject(error);
            }
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Posts and returns `data`, throwing on an error envelope (a benchmark must not count failures). */
  async call<T>(path: string, body: unknown): Promise<T> {
    const reply = await this.post(path, body);
    if (!reply.success) throw new Error(`${path} failed: ${reply.error}`);
    return reply.data as T;
  }

  close(): void {
    this.agent.destroy();
  }
}
