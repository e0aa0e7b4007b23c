import WebSocket from "ws";

const TIMEOUT_MS = 30_000;

/** V8's heap after a full collection: what the process retains, without garbage or allocator slack. */
export interface HeapAfterGc {
  usedBytes: number;
  totalBytes: number;
}

/**
 * A DevTools-protocol session with a child started with `--inspect=127.0.0.1:<port>` (loopback only): it
 * forces a full garbage collection and reads the heap, so a leak shows as retained bytes, not as RSS that
 * V8 simply has not returned yet.
 */
export class InspectorSession {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  static async connect(port: number): Promise<InspectorSession> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error("the child offers no inspector target");
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.once("open", () => resolve());
      socket.once("error", reject);
    });
    return new InspectorSession(socket);
  }

  private call(method: string, params?: Record<string, unknown>): Promise<unknown> {
    const id = this.nextId;
    this.nextId += 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), TIMEOUT_MS);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  async heapAfterGc(): Promise<HeapAfterGc> {
    await this.call("HeapProfiler.collectGarbage");
    const usage = (await this.call("Runtime.getHeapUsage")) as { usedSize: number; totalSize: number };
    return { usedBytes: usage.usedSize, totalBytes: usage.totalSize };
  }

  /** The value of a JavaScript expression evaluated in the child's main context (JSON-serialisable). */
  async evaluate(expression: string): Promise<unknown> {
    const answer = (await this.call("Runtime.evaluate", { expression, returnByValue: true })) as {
      result?: { value?: unknown };
      exceptionDetails?: { text?: string };
    };
    if (answer.exceptionDetails) throw new Error(`inspector: ${answer.exceptionDetails.text ?? "exception"}`);
    return answer.result?.value;
  }

  close(): void {
    this.socket.close();
  }
}
