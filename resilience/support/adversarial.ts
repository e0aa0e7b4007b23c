import { request } from "node:http";
import { connect } from "node:net";
import WebSocket from "ws";

/**
 * Bodies and packets an unauthenticated client can send to make a server parse, walk or buffer as much as
 * possible: millions of small keys, deep nesting, one huge string, one huge number. Each is built once per
 * size (they are big) and sent as raw bytes.
 */
export type Shape = "keys" | "deep" | "string" | "number";
export const shapes: Shape[] = ["keys", "deep", "string", "number"];

function jsonOfShape(shape: Shape, bytes: number): string {
  switch (shape) {
    case "keys": {
      const parts: string[] = [];
      let length = 2;
      for (let i = 0; length < bytes; i++) {
        const part = `"k${i}":0`;
        parts.push(part);
        length += part.length + 1;
      }
      return `{${parts.join(",")}}`;
    }
    case "deep": {
      const depth = Math.floor(bytes / 2);
      return "[".repeat(depth) + "]".repeat(depth);
    }
    case "string":
      return JSON.stringify({
        token: "f1b5a8f0-0000-4000-8000-000000000000",
        chat: "x",
        cid: 1,
        text: "A".repeat(bytes),
      });
    case "number":
      return `{"cid":${"9".repeat(bytes)}}`;
  }
}

const cache = new Map<string, Buffer>();

/** The JSON text of a shape, about `bytes` long (cached). */
export function adversarialJson(shape: Shape, bytes: number): Buffer {
  const key = `${shape}:${bytes}`;
  let body = cache.get(key);
  if (!body) {
    body = Buffer.from(jsonOfShape(shape, bytes));
    cache.set(key, body);
  }
  return body;
}

/** A form of `bytes` bytes with one small field after another. */
export function adversarialForm(bytes: number): Buffer {
  const key = `form:${bytes}`;
  let body = cache.get(key);
  if (!body) {
    const count = Math.floor(bytes / 8);
    body = Buffer.from(Array.from({ length: count }, (_, i) => `k${i}=1`).join("&"));
    cache.set(key, body);
  }
  return body;
}

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  text: string;
}

/** POSTs raw bytes; resolves with the answer, or status 0 if the server dropped the connection. */
export function postRaw(
  port: number,
  path: string,
  body: Buffer,
  contentType = "application/json",
  timeoutMs = 60_000,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { "content-type": contentType, "content-length": String(body.length) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on("error", () => resolve({ status: res.statusCode ?? 0, text: "" }));
      },
    );
    req.on("error", () => resolve({ status: 0, text: "" }));
    req.on("timeout", () => req.destroy());
    req.end(body);
  });
}

/**
 * A body sent one byte every `intervalMs` (of a declared `declaredBytes`): resolves with how long the server
 * kept the connection open, or `limitMs` if it was still open then (the client gives up).
 */
export function slowBody(
  port: number,
  path: string,
  options: { intervalMs: number; declaredBytes: number; limitMs: number },
): Promise<{ openMs: number; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, "127.0.0.1");
    let timer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearInterval(timer);
      clearTimeout(limit);
      socket.destroy();
      resolve({ openMs: Date.now() - started, closedByServer });
    };
    const limit = setTimeout(() => finish(false), options.limitMs);
    socket.on("connect", () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${options.declaredBytes}\r\n\r\n{`,
      );
      timer = setInterval(() => socket.write(" "), options.intervalMs);
    });
    socket.on("data", () => undefined);
    socket.on("close", () => finish(true));
    socket.on("error", () => undefined);
  });
}

/**
 * One Engine.IO v4 websocket without Socket.IO's client: waits for the namespace to connect (`40`), sends
 * `packet` as one frame, and resolves with what became of it: the server closed the connection, answered, or
 * neither within `timeoutMs`.
 */
export function rawSocketPacket(
  url: string,
  packet: string | Buffer,
  timeoutMs = 30_000,
): Promise<"closed" | "answered" | "nothing"> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/socket.io/?EIO=4&transport=websocket`, {
      maxPayload: 64 << 20,
    });
    let sent = false;
    const timer = setTimeout(() => finish("nothing"), timeoutMs);
    const finish = (outcome: "closed" | "answered" | "nothing") => {
      clearTimeout(timer);
      ws.removeAllListeners();
      ws.on("error", () => undefined);
      ws.terminate();
      resolve(outcome);
    };
    ws.on("message", (data: WebSocket.RawData) => {
      const text = data.toString();
      if (text.startsWith("0")) ws.send("40");
      else if (text.startsWith("40") && !sent) {
        sent = true;
        ws.send(packet, { binary: false });
      } else if (text === "2") ws.send("3");
      else if (sent && text.startsWith("43")) finish("answered");
    });
    ws.on("close", () => finish("closed"));
    ws.on("error", () => finish("closed"));
  });
}

/** A Socket.IO event packet with an ack id, as the v4 client frames `emit(event, payload, ack)`. */
export function eventPacket(event: string, payloadJson: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`421["${event}",`), payloadJson, Buffer.from("]")]);
}
