import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { io as connectClient } from "socket.io-client";
import WebSocket from "ws";
import { createSocketServer } from "../../../src/server/realtime/gateway.ts";
import { HandshakeShedding } from "../../../src/server/realtime/handshake-shedding.ts";

const BUSY_MS = 50;

/** Holds the event loop for `ms` without yielding: the turn a burst of handshakes makes. */
function holdLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: nothing else runs
  }
}

interface Refusal {
  status: number | undefined;
  retryAfter: string | undefined;
  body: string;
}

/** Requests carrying `busy=1` in their query find the loop held past the bound in their own turn. */
function holdForBusyRequests(request: IncomingMessage): void {
  if (new URL(request.url ?? "/", "http://x").searchParams.get("busy") === "1") holdLoop(BUSY_MS * 2);
}

/**
 * A Socket.IO server whose handshakes are judged by HandshakeShedding. The loop is held before Engine.IO sees a
 * `busy=1` request, in the same turn: deterministic, as the shedding's clock cannot tick while the loop is held.
 */
describe("HandshakeShedding on a Socket.IO server", () => {
  let http: Server;
  let base: string;
  let shed = 0;
  const shedding = new HandshakeShedding({ busyMs: BUSY_MS, onShed: () => shed++ });

  before(async () => {
    http = createServer();
    const io = createSocketServer({ preAuthBytes: 16 * 1024, allowRequest: shedding.allowRequest });
    io.attach(http);
    http.prependListener("request", holdForBusyRequests);
    http.prependListener("upgrade", holdForBusyRequests);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/socket.io/`;
  });
  after(async () => {
    shedding.stop();
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  async function pollingHandshake(query: string): Promise<Refusal> {
    const response = await fetch(`${base}?${query}&transport=polling`);
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after") ?? undefined,
      body: await response.text(),
    };
  }

  function websocketHandshake(query: string): Promise<Refusal | "open"> {
    const client = new WebSocket(`${base.replace("http", "ws")}?${query}&transport=websocket`);
    return new Promise((resolve, reject) => {
      client.once("open", () => {
        client.terminate();
        resolve("open");
      });
      client.once("unexpected-response", (_request, response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        response.on("end", () =>
          resolve({ status: response.statusCode, retryAfter: response.headers["retry-after"], body }),
        );
      });
      client.once("error", reject);
    });
  }

  test("takes a polling handshake while the loop is free", async () => {
    const answer = await pollingHandshake("EIO=4");
    assert.equal(answer.status, 200);
    assert.match(answer.body, /"sid"/);
  });

  test("takes a WebSocket handshake while the loop is free", async () => {
    assert.equal(await websocketHandshake("EIO=4"), "open");
  });

  test("answers a polling handshake 503 with Retry-After while the loop is busy", async () => {
    const before = shed;
    const answer = await pollingHandshake("EIO=4&busy=1");
    assert.deepEqual(answer, {
      status: 503,
      retryAfter: "1",
      body: JSON.stringify({ code: 503, message: "Server busy, retry later" }),
    });
    assert.equal(shed, before + 1);
  });

  test("answers the deployed client's (Engine.IO 3) polling handshake 503 while the loop is busy", async () => {
    const answer = await pollingHandshake("EIO=3&busy=1");
    assert.equal(answer.status, 503);
  });

  test("answers a WebSocket handshake 503 with Retry-After while the loop is busy", async () => {
    const before = shed;
    const answer = await websocketHandshake("EIO=4&busy=1");
    assert.notEqual(answer, "open");
    assert.equal((answer as Refusal).status, 503);
    assert.equal((answer as Refusal).retryAfter, "1");
    assert.equal(shed, before + 1);
  });

  test("never refuses a request of a connection already open, however busy the loop", async () => {
    const open = await pollingHandshake("EIO=4");
    const { sid } = JSON.parse(open.body.slice(1)) as { sid: string };
    // A Socket.IO CONNECT posted, then a poll that brings its answer: both held past the bound.
    const post = await fetch(`${base}?EIO=4&transport=polling&sid=${sid}&busy=1`, {
      method: "POST",
      body: "40",
    });
    assert.equal(post.status, 200);
    const poll = await fetch(`${base}?EIO=4&transport=polling&sid=${sid}&busy=1`);
    assert.equal(poll.status, 200);
    assert.match(await poll.text(), /^40/);
  });

  test("lets a socket.io-client that was refused connect once the loop is free again", async () => {
    let attempts = 0;
    const client = connectClient(base.replace("/socket.io/", ""), {
      transports: ["websocket"],
      reconnectionDelay: 50,
      reconnectionDelayMax: 50,
      query: { busy: "1" },
    });
    client.io.on("reconnect_attempt", () => {
      attempts++;
      // The loop is free from the second attempt on.
      client.io.opts.query = {};
    });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once("connect", resolve);
        setTimeout(() => reject(new Error("never connected")), 10_000).unref();
      });
      assert.equal(attempts, 1);
    } finally {
      client.close();
    }
  });
});

describe("HandshakeShedding's clock", () => {
  test("counts a turn of the loop from its last timer tick", () => {
    const shedding = new HandshakeShedding({ busyMs: BUSY_MS, onShed: () => {} });
    try {
      holdLoop(BUSY_MS * 2);
      assert.ok(shedding.busyFor() >= BUSY_MS * 2);
    } finally {
      shedding.stop();
    }
  });

  test("finds the loop free again once its timers ran", async () => {
    const shedding = new HandshakeShedding({ busyMs: BUSY_MS, onShed: () => {} });
    try {
      holdLoop(BUSY_MS * 2);
      const heldUntil = performance.now();
      // Due after the clock's overdue tick, so it runs after it.
      await new Promise((resolve) => setTimeout(resolve, 60));
      assert.ok(shedding.busyFor() < performance.now() - heldUntil);
    } finally {
      shedding.stop();
    }
  });

  test("refuses nothing when turned off (0)", () => {
    const shedding = new HandshakeShedding({ busyMs: 0, onShed: () => assert.fail("shed") });
    holdLoop(20);
    let allowed: boolean | undefined;
    shedding.allowRequest({} as IncomingMessage, (_error, ok) => {
      allowed = ok;
    });
    assert.equal(allowed, true);
    shedding.stop();
  });
});
