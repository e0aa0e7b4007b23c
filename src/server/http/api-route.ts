import type { Static, TSchema } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ApiError } from "../../protocol/errors.ts";
import { Envelope } from "../../protocol/schemas/common.ts";
import type { Identity, SessionGuardOptions, SessionService } from "../services/sessions.ts";
import { success } from "./envelope.ts";

export interface ApiRouteSpec<Body extends TSchema, Data extends TSchema> {
  /** The spec's path with its trailing slash, e.g. "/api/auth/"; the path without it works too. */
  path: string;
  summary: string;
  tags: string[];
  body: Body;
  data: Data;
  /** Largest body of this method when it differs from the application's (sendMessage carries files). */
  bodyLimit?: number;
  /** Runs before the body is read (rate limits): an ApiError thrown here is the answer. */
  guard?: (request: FastifyRequest) => Promise<void>;
}

/**
 * One API method: POST, body validated against its schema (failures become InvalidSchema), result wrapped
 * in the success envelope; an ApiError thrown by the handler becomes the failure envelope.
 */
export function apiRoute<Body extends TSchema, Data extends TSchema>(
  app: FastifyInstance,
  spec: ApiRouteSpec<Body, Data>,
  handler: (body: Static<Body>, request: FastifyRequest) => Promise<Static<Data>>,
): void {
  app.post(spec.path, {
    ...(spec.guard ? { onRequest: spec.guard } : {}),
    ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
    schema: {
      summary: spec.summary,
      tags: spec.tags,
      body: spec.body,
      response: { 200: Envelope(spec.data) },
    },
    handler: async (request) => {
      if (holdsNonFiniteNumber(request.body)) throw new ApiError("InvalidSchema", "a number is not finite");
      return success(await handler(request.body as Static<Body>, request));
    },
  });
}

/**
 * How deep the request schemas hold numbers (createChat `keys[i].cid`). Fields beyond that are extra properties
 * no handler reads, and may be nested thousands deep: they are not walked.
 */
const SCHEMA_DEPTH = 3;

/**
 * Ajv's type coercion turns a form's (or a JSON string's) "Infinity" or "1e999" into a number that its
 * integer and range checks then let through (they only look at finite numbers). No field of the API takes an
 * infinite number, and the database would refuse it in a query (PostgreSQL's bigint), so it is InvalidSchema.
 */
function holdsNonFiniteNumber(value: unknown, depth = SCHEMA_DEPTH): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null || depth === 0) return false;
  return Object.values(value).some((field) => holdsNonFiniteNumber(field, depth - 1));
}

/** Authenticates the request's session and puts its profile id on the request's later log lines. */
export async function authenticateRequest(
  sessions: SessionService,
  request: FastifyRequest,
  token: string | undefined,
  options: SessionGuardOptions,
): Promise<Identity> {
  const identity = await sessions.authenticate(token, options);
  request.log = request.log.child({ profile: identity.profile.id });
  return identity;
}

/** The session token of a request: the body's `token`, else `Authorization: Bearer <token>`. */
export function tokenOf(body: { token?: string }, request: FastifyRequest): string | undefined {
  if (body.token) return body.token;
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
