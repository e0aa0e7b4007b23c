import type { FastifyInstance } from "fastify";

/**
 * A request body that goes silent for `idleMs` (a slow-body attack sends a byte now and then to hold the
 * connection) ends the connection. Node's requestTimeout bounds the whole request; this bounds each pause,
 * so an honest upload of any length is never cut while it is moving.
 */
export function installBodyIdleTimeout(app: FastifyInstance, idleMs: number): void {
  app.addHook("onRequest", async (request) => {
    const raw = request.raw;
    const hasBody =
      raw.headers["content-length"] !== undefined || raw.headers["transfer-encoding"] !== undefined;
    if (!hasBody || raw.complete) return;
    const socket = raw.socket;
    const onTimeout = () => socket.destroy();
    socket.setTimeout(idleMs);
    socket.once("timeout", onTimeout);
    raw.once("end", () => {
      socket.setTimeout(0);
      socket.removeListener("timeout", onTimeout);
    });
  });
}
