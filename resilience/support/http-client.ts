import { Agent, request } from "node:http";
import { connect } from "node:net";

/** One HTTP request as the fuzzer builds it: anything a client could put on the wire through node:http. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most `MAX_REPLY_BYTES` of the body, as text. */
  text: string;
}

const MAX_REPLY_BYTES = 16 << 20;

/** A keep-alive HTTP client for one server, bounded per request. */
export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly port: number,
    maxSockets: number,
    private readonly timeoutMs = 15_000,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets });
  }

  send(input: RawRequest): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: this.port,
          method: input.method,
          path: input.path,
          // Always framed: node:http would send a GET/DELETE/OPTIONS body unframed, i.e. as a second request.
          headers:
            input.body === undefined
              ? input.headers
              : { ...input.headers, "content-length": String(Buffer.byteLength(input.body)) },
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            if (size < MAX_REPLY_BYTES) chunks.push(chunk);
            size += chunk.length;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString("utf8"),
            }),
          );
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      req.on("error", reject);
      req.end(input.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Writes raw bytes on a fresh TCP connection and returns whatever the server answers before it closes the
 * connection or `timeoutMs` passes (for requests node:http refuses to produce: bad request lines, headers).
 */
export function sendRawBytes(port: number, bytes: Uint8Array, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on("connect", () => socket.end(bytes));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // The server may reset a connection carrying garbage: that is an answer too.
      if (error.code === "ECONNRESET" || error.code === "EPIPE") return;
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
  });
}
