import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { CLOSING_QUIET_LIMIT_MS, type ClosingClock, ClosingGate } from "../../../src/server/http/closing.ts";
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
    assert.deepEqual(shape(answer), NETWORK_ERROR_503);
  } finally {
    socket.destroy();
    await (closing ?? server.close());
  }
});

/** Sends `text` on a new connection; the answer, or undefined when the connection was refused or reset. */
async function askRaw(port: number, text: string): Promise<RawAnswer | undefined> {
  const socket = connect(port, "127.0.0.1");
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const answer = nextAnswer(socket);
    socket.write(text);
    return await answer;
  } catch {
    return undefined;
  } finally {
    socket.destroy();
  }
}

/** What the closing gate answers, and an answer reduced to what the tests compare with it. */
const NETWORK_ERROR_503 = {
  status: 503,
  connection: "close",
  body: { success: false, error: "NetworkError" },
};
const shape = (a: RawAnswer | undefined) =>
  a && { status: a.status, connection: a.headers.get("connection"), body: JSON.parse(a.body) as unknown };

/** One request on a new connection: its answer, or undefined when the connection was refused or reset. */
const askOnNewConnection = (port: number) => askRaw(port, head() + BODY);

test("a closing node keeps its listener open while requests arrive, answering each on a new connection 503 unrun, and closes it once they stop", async () => {
  // Longer than this test needs between two requests on a loaded machine, shorter than CLOSING_QUIET_LIMIT_MS.
  const server = await startTestServer({ env: { CERTCHAT_CLOSING_QUIET: "3s" } });
  const port = Number(new URL(server.url).port);
  // Answered as usual: a request arrived, so the closing node waits for quiet.
  let answer = await askOnNewConnection(port);
  const closing = server.close();
  try {
    // Answered as usual until the node has closed its sockets and begins refusing HTTP.
    while (answer?.status === 200) answer = await askOnNewConnection(port);
    const answers = [answer];
    for (let i = 0; i < 3; i++) answers.push(await askOnNewConnection(port));
    assert.deepEqual(answers.map(shape), Array(4).fill(NETWORK_ERROR_503));
    while (!(await refused(port))) await delay(50);
  } finally {
    await closing;
  }
});

/** An Engine.IO polling handshake (what a Socket.IO client sends first) on a new connection, as askRaw. */
const handshakeOnNewConnection = (port: number) =>
  askRaw(port, "GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n");

const UPGRADE =
  "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

test("a closing node answers Engine.IO requests 503 unrun too, and counts them as traffic that keeps its listener open", async () => {
  // Socket.IO's requests (/socket.io/) never reach Fastify's hooks. Accepted during the grace, a client's
  // handshake met the closed gateway's "server shutting down", after which socket.io-client never reconnects;
  // and a node that only they reached closed its listener at once.
  const server = await startTestServer({ env: { CERTCHAT_CLOSING_QUIET: "3s" } });
  const port = Number(new URL(server.url).port);
  let answer = await handshakeOnNewConnection(port);
  const closing = server.close();
  try {
    while (answer?.status === 200) answer = await handshakeOnNewConnection(port);
    const upgrade = await askRaw(port, UPGRADE);
    assert.deepEqual([shape(answer), shape(upgrade)], [NETWORK_ERROR_503, NETWORK_ERROR_503]);
  } finally {
    await closing;
  }
});

test("a client resetting its websocket upgrade while a closing node answers it 503 does not crash the node", async () => {
  const server = await startTestServer({ env: { CERTCHAT_CLOSING_QUIET: "3s" } });
  const port = Number(new URL(server.url).port);
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on("uncaughtException", onUncaught);
  let answer = await askOnNewConnection(port);
  const closing = server.close();
  try {
    while (answer?.status === 200) answer = await askOnNewConnection(port);
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.on("error", () => {});
      // More than the node reads with the head, so that its answer meets the reset.
      socket.write(UPGRADE + "x".repeat(100_000));
      socket.resetAndDestroy();
    }
    await closing;
    assert.deepEqual(uncaught, []);
  } finally {
    process.off("uncaughtException", onUncaught);
    await closing;
  }
});

test("a closing node answers a request Fastify's router refuses before its hooks (a bad percent-encoding) 503 too", async () => {
  const server = await startTestServer({ env: { CERTCHAT_CLOSING_QUIET: "3s" } });
  const port = Number(new URL(server.url).port);
  let answer = await askOnNewConnection(port);
  const closing = server.close();
  try {
    while (answer?.status === 200) answer = await askOnNewConnection(port);
    const bad = await askRaw(port, "GET /api/x/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.deepEqual(shape(bad), NETWORK_ERROR_503);
  } finally {
    await closing;
  }
});

/** A clock whose sleeps pass at once: `during` runs in each sleep, after the time moved on. */
function fakeClock(during: (gate: ClosingGate) => void = () => {}) {
  const slept: number[] = [];
  let gate: ClosingGate | undefined;
  const clock: ClosingClock & { time: number } = {
    time: 0,
    now: () => clock.time,
    sleep: async (ms) => {
      slept.push(ms);
      clock.time += ms;
      if (gate) during(gate);
    },
  };
  gate = new ClosingGate(clock);
  return { gate, clock, slept };
}

test("a closing node stops listening at once when no request arrived within the quiet time", async () => {
  const { gate, clock, slept } = fakeClock();
  gate.arrived("/api/messages/");
  clock.time = 1_000;
  await gate.quiet(300);
  assert.deepEqual(slept, []);
});

test("a request arriving while a closing node waits for quiet makes it wait the quiet time again from there", async () => {
  let arrivals = 1;
  const { gate, clock, slept } = fakeClock((g) => {
    if (arrivals-- > 0) g.arrived("/api/message/send/");
  });
  gate.arrived("/api/messages/");
  clock.time = 100;
  await gate.quiet(300);
  assert.deepEqual(slept, [200, 300]);
});

test("health checks arriving while a closing node waits for quiet do not hold its listener open", async () => {
  const { gate, clock, slept } = fakeClock((g) => {
    for (const url of ["/readyz", "/healthz", "/readyz/", "/healthz?full=1"]) g.arrived(url);
  });
  gate.arrived("/api/messages/");
  clock.time = 100;
  await gate.quiet(300);
  assert.deepEqual(slept, [200]);
});

test("a closing node stops listening after CLOSING_QUIET_LIMIT_MS though requests keep arriving", async () => {
  const { gate, slept } = fakeClock((g) => g.arrived("/api/messages/"));
  gate.arrived("/api/messages/");
  await gate.quiet(300);
  assert.equal(
    slept.reduce((sum, ms) => sum + ms, 0),
    CLOSING_QUIET_LIMIT_MS,
  );
});

test("a request whose body trickles in when the node closes is cut after the finish bound instead of holding the close", {
  timeout: 30_000,
}, async () => {
  const server = await startTestServer({ httpFinishMs: 300 });
  const port = Number(new URL(server.url).port);
  const socket = connect(port, "127.0.0.1");
  try {
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    // Routed (100 Continue), then a byte of its body now and then: never idle, never complete.
    const routed = received(socket, "100 Continue\r\n\r\n");
    socket.write(
      "POST /api/profile/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n",
    );
    await routed;
    const trickle = setInterval(() => socket.write("{"), 100);
    // The cut may reach a write in flight as a reset (ECONNRESET, EPIPE): the close that follows is what counts.
    socket.on("error", () => {});
    const cut = new Promise((resolve) => socket.once("close", resolve));
    try {
      await server.close();
      await cut;
    } finally {
      clearInterval(trickle);
    }
  } finally {
    socket.destroy();
  }
});
