import { Readable } from "node:stream";
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

/**
 * A streamed answer (a file, raw or as base64) whose client reads nothing for `idleMs` ends the connection:
 * Node has no write timeout, so each stalled download held its socket and the file's descriptor for good, and
 * one account could open them until the node ran out of descriptors. The clock restarts with every chunk the
 * socket takes, so a slow download that moves is never cut.
 */
export function installAnswerIdleTimeout(app: FastifyInstance, idleMs: number): void {
  app.addHook("onSend", (request, reply, payload, done) => {
    if (payload instanceof Readable) {
      const response = reply.raw;
      response.setTimeout(idleMs, () => {
        request.log.warn({ idleMs }, "streamed answer unread for the idle timeout: connection closed");
        response.destroy();
      });
    }
    done(null, payload);
  });
}
