import type { FastifyInstance } from "fastify";
import { sql } from "kysely";
import type { Executor } from "../../storage/repositories/executor.ts";
import { failure, success } from "../envelope.ts";

/** GET /healthz (the database answers) and GET /docs/openapi.json (generated from the route schemas). */
export function metaRoutes(app: FastifyInstance, deps: { db: Executor }): void {
  app.get("/healthz", { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(deps.db);
      return success({ status: "ok" });
    } catch {
      return reply.code(503).send(failure("DataError"));
    }
  });
  app.get("/docs/openapi.json", { schema: { hide: true } }, async () => app.swagger());
}
