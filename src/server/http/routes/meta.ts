import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Readiness } from "../../readiness.ts";
import type { Executor } from "../../storage/repositories/executor.ts";
import { failure, success } from "../envelope.ts";

/**
 * GET /healthz (liveness: the database answers), GET /readyz (readiness: also started and not draining) and
 * GET /docs/openapi.json (generated from the route schemas).
 */
export function metaRoutes(app: FastifyInstance, deps: { db: Executor; readiness: Readiness }): void {
  app.get("/healthz", { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return success({ status: "ok" });
    } catch {
      return reply.code(503).send(failure("DataError"));
    }
  });
  app.get("/readyz", { schema: { hide: true } }, async (_request, reply) => {
    const report = await deps.readiness.report();
    if (report.ready) return success({ status: "ready" });
    return reply.code(503).send(failure(report.database ? "CommonError" : "DataError"));
  });
  app.get("/docs/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
