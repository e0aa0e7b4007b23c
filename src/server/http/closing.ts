import type { FastifyInstance } from "fastify";
import { failure } from "./envelope.ts";

/**
 * What a request that reaches the node once Fastify is closing gets (docs/DECISIONS.md §17): HTTP 503 with the
 * envelope `NetworkError`, the connection closed, and nothing run — not even the body read. Fastify's own
 * answer (return503OnClosing) is the same 503 without the envelope. The status stays 503, not the API's 200:
 * it is what a load balancer can retry on another node (deploy/haproxy.cfg `retry-on 503`), and a request that
 * was not run is safe to send again. A client reached directly sees what a refused connection tells it a
 * moment later: the server could not be reached.
 */
export function answerWhileClosing(app: FastifyInstance): void {
  let closing = false;
  // preClose runs once close() began, before the listener stops: Fastify's own flag is set at the same point.
  app.addHook("preClose", (done) => {
    closing = true;
    done();
  });
  app.addHook("onRequest", (_request, reply, done) => {
    if (!closing) return done();
    // Fastify already marked the answer `Connection: close`.
    reply.code(503).send(failure("NetworkError"));
  });
}
