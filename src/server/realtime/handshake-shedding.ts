import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** How often the loop's clock is read while it is free to; a busy loop reads it later, and that is the measure. */
const TICK_MS = 20;

/** Engine.IO's `allowRequest`, asked for every new connection's first request (its handshake). */
export type AllowRequest = (
  request: IncomingMessage,
  decide: (error: string | null | undefined, allowed: boolean) => void,
) => void;

export interface HandshakeSheddingOptions {
  /**
   * A handshake that finds the event loop busy for longer than this in its current turn is refused; 0 turns
   * shedding off.
   */
  busyMs: number;
  onShed(): void;
}

/** Seconds a refused client is asked to wait (RFC 9110 Retry-After); clients back off on their own too. */
const RETRY_AFTER_SECONDS = 1;

const REFUSAL_BODY = JSON.stringify({ code: 503, message: "Server busy, retry later" });

/**
 * Refuses new socket connections with a quick 503 while this node's event loop is busy (issue 16, target 6;
 * docs/DECISIONS.md §22). After a restart thousands of sockets come back at once; accepting them all made a turn
 * of the loop take seconds, so `/readyz` went unanswered, the load balancer took the node out and answered
 * everyone 503 for seconds at a time, and the connections that did get in waited past their client's timeout —
 * work done for nothing. Refused here, a client backs off and comes back (socket.io-client, the deployed
 * client); HAProxy (deploy/haproxy.cfg `retry-on 503`) first tries another node.
 *
 * "Busy" is how long the loop has gone without running its timers, read as each handshake is handled: within
 * one long turn that handles a burst of handshakes, those after the first `busyMs` are refused. Nothing an idle
 * connection holds counts, so connections that never authenticate cannot fill a bound and lock others out; only
 * work the node is really doing does. Connections already open (their later requests, events, polls) are never
 * refused here.
 */
export class HandshakeShedding {
  private lastTick = performance.now();
  private readonly ticker: NodeJS.Timeout | undefined;

  constructor(private readonly options: HandshakeSheddingOptions) {
    if (options.busyMs > 0) {
      this.ticker = setInterval(() => {
        this.lastTick = performance.now();
      }, TICK_MS);
      this.ticker.unref();
    }
  }

  /** How long the loop has been in its current turn (since it last ran its timers), ms. */
  busyFor(): number {
    return performance.now() - this.lastTick;
  }

  readonly allowRequest: AllowRequest = (request, decide) => {
    if (this.ticker === undefined || this.busyFor() <= this.options.busyMs) return decide(null, true);
    this.options.onShed();
    refuse(request);
    // Engine.IO's own refusal then finds the answer sent: it ends the response or destroys the socket.
    decide("server busy", false);
  };

  stop(): void {
    clearInterval(this.ticker);
  }
}

/** A polling handshake's request carries its response (Engine.IO sets it); a WebSocket upgrade has the bare socket. */
function refuse(request: IncomingMessage): void {
  const response = (request as IncomingMessage & { res?: ServerResponse }).res;
  if (response) {
    if (response.headersSent) return;
    response.writeHead(503, {
      "Content-Type": "application/json",
      "Retry-After": String(RETRY_AFTER_SECONDS),
    });
    response.end(REFUSAL_BODY);
    return;
  }
  const socket: Socket = request.socket;
  if (!socket.writable) return;
  socket.end(
    "HTTP/1.1 503 Service Unavailable\r\n" +
      "Connection: close\r\n" +
      "Content-Type: application/json\r\n" +
      `Retry-After: ${RETRY_AFTER_SECONDS}\r\n` +
      `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}\r\n\r\n` +
      REFUSAL_BODY,
  );
}
