import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { startTestServer } from "../../support/server.ts";

/** An HTTP/1.1 answer read off a raw connection: status, headers (lower-case names), body. */
interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Reads the next answer (Content-Length framed) from `socket`. */
function nextAnswer(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let received = "";
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return;
      const [statusLine = "", ...lines] = received.slice(0, end).split("\r\n");
      const headers = new Map(
        lines.map((line) => {
          const colon = line.indexOf(":");
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
        }),
      );
      const length = Number(headers.get("content-length") ?? 0);
      if (received.length < end + 4 + length) return;
      socket.off("data", onData);
      socket.off("error", reject);
      resolve({
        status: Number(statusLine.split(" ")[1]),
        headers,
        body: received.slice(end + 4, end + 4 + length),
      });
    };
    socket.on("data", onData);
    socket.on("error", reject);
  });
}

/** Whether a new connection to the port is refused (the listener closed). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(port, "127.0.0.1");
    probe.on("connect", () => {
      probe.destroy();
      resolve(false);
    });
    probe.on("error", () => resolve(true));
  });
}

/** Resolves once `socket` received `text`. */
function received(socket: Socket, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    const onData = (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      if (!seen.includes(text)) return;
      socket.off("data", onData);
      resolve();
    };
    socket.on("data", onData);
  });
}

const BODY = JSON.stringify({ token: "not-a-session" });
const head = (extra = "") =>
  `POST /api/profile/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n${extra}\r\n`;

test("a request reaching a closing node on a kept-alive connection is answered 503 with the NetworkError envelope, unrun, and the connection closed", async () => {
  const server = await startTestServer();
  const port = Number(new URL(server.url).port);
  const socket = connect(port, "127.0.0.1");
  let closing: Promise<void> | undefined;
  try {
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    // A request in flight keeps the connection open through the close: Node answers `100 Continue` as it
    // hands the request to Fastify, which the body then waits for.
    const routed = received(socket, "100 Continue\r\n\r\n");
    socket.write(head("Expect: 100-continue\r\n"));
    await routed;
    closing = server.close();
    // The listener closes once Fastify is closing (the drain delay of the test server is 0).
    while (!(await refused(port))) await delay(10);
    const first = nextAnswer(socket);
    socket.write(BODY);
    // Routed before the close: run as usual (an unknown session).
    assert.deepEqual(JSON.parse((await first).body), { success: false, error: "NeedAuthentication" });
    const second = nextAnswer(socket);
    socket.write(head() + BODY);
    const answer = await second;
    assert.deepEqual(
      { status: answer.status, connection: answer.headers.get("connection"), body: JSON.parse(answer.body) },
      { status: 503, connection: "close", body: { success: false, error: "NetworkError" } },
    );
  } finally {
    socket.destroy();
    await (closing ?? server.close());
  }
});
