import type { FastifyInstance, FastifyRequest } from "fastify";
import type { CertchatMetrics } from "./metrics.ts";

/** The two steps of a login: a failure at either ends the login; only confirmAuth ends one successfully. */
const LOGIN_START = "/api/auth/";
const LOGIN_CONFIRM = "/api/confirmAuth/";

function envelopeError(payload: unknown): string | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { success, error } = payload as { success?: unknown; error?: unknown };
  return success === false && typeof error === "string" ? error : undefined;
}

/**
 * Counts and times every answered request by its route template (an unknown path is "other", so the label
 * set stays the routes'), with its outcome: "ok", the envelope's error code, or the HTTP status of an answer
 * that has no envelope and is not a success.
 */
export function recordHttpMetrics(app: FastifyInstance, metrics: CertchatMetrics): void {
  // Only failures are noted: a successful request costs one check of its payload.
  const errors = new WeakMap<FastifyRequest, string>();
  // Callback hooks: no promise per request on the hot path.
  app.addHook("preSerialization", (request, _reply, payload, done) => {
    const error = envelopeError(payload);
    if (error !== undefined) errors.set(request, error);
    done(null, payload);
  });
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "other";
    const code = errors.get(request) ?? (reply.statusCode >= 400 ? String(reply.statusCode) : "ok");
    metrics.httpRequests.inc({ route, code });
    metrics.httpDuration.observe({ route }, reply.elapsedTime / 1000);
    if (route === LOGIN_CONFIRM || (route === LOGIN_START && code !== "ok")) {
      metrics.logins.inc({ outcome: code });
    }
    done();
  });
}
