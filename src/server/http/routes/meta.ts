import type { FastifyInstance } from "fastify";
import type { Readiness } from "../../readiness.ts";
import { failure, success } from "../envelope.ts";

/**
 * GET /healthz (liveness: the database answers), GET /readyz (readiness: also started and not draining) and
 * GET /docs/openapi.json (generated from the route table, protocol/routes.ts).
 */
export function metaRoutes(app: FastifyInstance, deps: { readiness: Readiness }): void {
  app.get("/healthz", { schema: { hide: true } }, async (_request, reply) => {
    if (await deps.readiness.databaseUp()) return success({ status: "ok" });
    return reply.code(503).send(failure("DataError"));
  });
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const report = await deps.readiness.report();
    if (report.ready) return success({ status: "ready" });
    return reply.code(503).send(failure(report.database ? "CommonError" : "DataError"));
  });
  app.get("/docs/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
