import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { setTimeout as delay } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { failure } from "./envelope.ts";

/** The longest a closing node keeps its listener open waiting for requests to stop (docs/DECISIONS.md §34). */
export const CLOSING_QUIET_LIMIT_MS = 5_000;

/** What load balancers' health checks ask: they go on after a balancer took the node out, so they are not traffic. */
const PROBE = /^\/(healthz|readyz)\/?(\?|$)/;

/** The gate's time: injectable so that its waits can be tested without sleeping. */
export interface ClosingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: ClosingClock = { now: () => performance.now(), sleep: (ms) => delay(ms) };

const ANSWER = JSON.stringify(failure("NetworkError"));
const ANSWER_HEADERS = {
  connection: "close",
  "content-type": "application/json; charset=utf-8",
  "content-length": Buffer.byteLength(ANSWER),
};

type Listener = (...args: unknown[]) => void;

/**
 * How a node stops taking requests (docs/DECISIONS.md §17, §34). Once shut, every request is answered HTTP 503
 * with the envelope `NetworkError`, the connection closed, and nothing run — not even the body read. Fastify's
 * own answer (return503OnClosing) is the same 503 without the envelope. The status stays 503, not the API's 200:
 * it is what a load balancer can retry on another node (deploy/haproxy.cfg `retry-on 503`), and a request that
 * was not run is safe to send again. A client reached directly sees what a refused connection tells it a
 * moment later: the server could not be reached.
 *
 * The listener stays open while requests still arrive (`quiet`): closing it resets every connection still in
 * the kernel's accept queue, and HAProxy answers a request it sent on such a connection 502, which it cannot
 * retry (the node might have run it).
 *
 * `guard` answers at the HTTP server itself, in front of Engine.IO and Fastify (nothing is counted or logged
 * for such a request); the Fastify hook of `install` answers what reaches Fastify without it (inject).
 */
export class ClosingGate {
  private shut = false;
  private lastArrival = Number.NEGATIVE_INFINITY;

  constructor(private readonly clock: ClosingClock = realClock) {}

  /** The first onRequest hook of `app`: a request arriving once the gate is shut runs no other. */
  install(app: FastifyInstance): void {
    // preClose runs once close() began, before the listener stops: a close without shutNow() shuts it too.
    app.addHook("preClose", (done) => {
      this.shutNow();
      done();
    });
    // Arrivals are counted by `guard`, in front of Fastify: counting here too would count each request twice.
    app.addHook("onRequest", (_request, reply, done) => {
      if (!this.shut) return done();
      // Fastify marks the answer `Connection: close` once it is closing; before, the gate says so itself.
      reply.code(503).header("connection", "close").send(failure("NetworkError"));
    });
  }

  /**
   * Puts the gate in front of everything `server` runs for a request, once every listener is attached: Engine.IO
   * (/socket.io/) takes its requests and upgrades before Fastify, and Fastify's router answers a URL it cannot
   * decode before any hook. Run during the grace, a Socket.IO handshake met the closing gateway's refusal, after
   * which socket.io-client does not reconnect; answered 503 its client retries (and a balancer on another node).
   */
  guard(server: Server): void {
    const requests = server.listeners("request") as Listener[];
    server.removeAllListeners("request");
    server.on("request", (request: IncomingMessage, response: ServerResponse) => {
      this.arrived(request.url ?? "");
      if (!this.shut) for (const listener of requests) listener.call(server, request, response);
      else response.writeHead(503, ANSWER_HEADERS).end(ANSWER);
    });
    const upgrades = server.listeners("upgrade") as Listener[];
    server.removeAllListeners("upgrade");
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.arrived(request.url ?? "");
      if (!this.shut) for (const listener of upgrades) listener.call(server, request, socket, head);
      else {
        // Node took its error listener off an upgraded socket: a client's reset would be an uncaught exception.
        socket.on("error", () => socket.destroy());
        const headers = Object.entries(ANSWER_HEADERS).map(([name, value]) => `${name}: ${value}\r\n`);
        socket.end(`HTTP/1.1 503 Service Unavailable\r\n${headers.join("")}\r\n${ANSWER}`);
      }
    });
  }

  /** Every request from now on is answered 503, unrun. */
  shutNow(): void {
    this.shut = true;
  }

  /** Counts a request's arrival, unless it is a health check. */
  arrived(url: string): void {
    if (!PROBE.test(url)) this.lastArrival = this.clock.now();
  }

  /**
   * Resolves once no request but a health check has arrived for `quietMs`, or CLOSING_QUIET_LIMIT_MS after the
   * call: a balancer still sending here has not taken the node out yet (its checks lag behind the drain delay).
   */
  async quiet(quietMs: number): Promise<void> {
    const deadline = this.clock.now() + CLOSING_QUIET_LIMIT_MS;
    for (;;) {
      const wait = Math.min(this.lastArrival + quietMs, deadline) - this.clock.now();
      if (wait <= 0) return;
      await this.clock.sleep(wait);
    }
  }
}
