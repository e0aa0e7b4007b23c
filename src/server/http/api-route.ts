import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import { ApiError } from "../../protocol/errors.ts";
import {
  type ApiMethod,
  type AuthLevel,
  type AuthOf,
  apiMethods,
  type BodyLimit,
  type DataOf,
  type MethodName,
  type RateLimitedMethod,
  type RequestOf,
} from "../../protocol/routes.ts";
import { Envelope } from "../../protocol/schemas/common.ts";
import type { Identity, SessionService } from "../services/sessions.ts";
import { holdsNonFiniteNumber } from "../validation.ts";
import { success } from "./envelope.ts";
import { StreamedBase64 } from "./streamed-base64.ts";

/** What a handler knows of its caller, by its method's auth level (protocol/routes.ts). */
export type CallerOf<Level extends AuthLevel> = Level extends "session" | "sessionWithPhone"
  ? { identity: Identity }
  : Level extends "pendingLogin"
    ? { token: string | undefined }
    : unknown;

/** One call of a method, as its handler gets it: the validated body, the client's address, the caller. */
export type ApiCall<M extends MethodName> = { body: RequestOf<M>; ip: string } & CallerOf<AuthOf<M>>;

/**
 * A method's handler: calls a service and returns the envelope's `data` (a string `data` may be a stream's
 * base64, sent as it is read); an ApiError is the failure.
 */
export type ApiHandler<M extends MethodName> = (
  call: ApiCall<M>,
) => Promise<DataOf<M> | (DataOf<M> extends string ? StreamedBase64 : never)>;

export type ApiHandlers<Names extends MethodName = MethodName> = { [M in Names]: ApiHandler<M> };

export interface ApiMethodOptions {
  sessions: SessionService;
  /** The bytes of each body limit of the table. */
  bodyLimits: Record<BodyLimit, number>;
  /** The guard of a rate-limited method: runs before the body is read, an ApiError thrown is the answer. */
  rateLimit(scope: RateLimitedMethod): (request: FastifyRequest) => Promise<void>;
}

/**
 * Registers every method of the table (protocol/routes.ts): POST, body validated against its schema (failures
 * become InvalidSchema), the caller authenticated at the method's level, result wrapped in the success
 * envelope; an ApiError thrown by the handler becomes the failure envelope.
 */
export function registerApiMethods(
  app: FastifyInstance,
  options: ApiMethodOptions,
  handlers: ApiHandlers,
): void {
  for (const name of Object.keys(apiMethods) as MethodName[]) {
    // Each handler fits its own row; the loop sees them all as one.
    const handler = handlers[name] as (call: object) => Promise<unknown>;
    registerMethod(app, name, apiMethods[name], options, handler);
  }
}

function registerMethod(
  app: FastifyInstance,
  name: MethodName,
  method: ApiMethod,
  options: ApiMethodOptions,
  handler: (call: object) => Promise<unknown>,
): void {
  const authenticate = sessionLevel(method.auth)
    ? [authenticationPreHandler(options.sessions, method.auth === "sessionWithPhone")]
    : [];
  app.post(method.path, {
    ...(method.rateLimited ? { onRequest: options.rateLimit(name as RateLimitedMethod) } : {}),
    bodyLimit: options.bodyLimits[method.bodyLimit],
    schema: {
      summary: method.summary,
      tags: [method.tag],
      consumes: [...method.contentTypes],
      ...(method.auth === "none" ? {} : { security: [{ bearer: [] }] }),
      body: method.request,
      response: { 200: Envelope(method.data) },
    },
    preHandler: [refuseNonFiniteNumbers, ...authenticate],
    handler: async (request, reply) => {
      const call = { body: request.body, ip: request.ip, ...callerOf(method.auth, request) };
      const data = await handler(call);
      if (data instanceof StreamedBase64)
        return reply
          .type("application/json; charset=utf-8")
          .header("content-length", data.length)
          .send(data.envelope());
      return success(data);
    },
  });
}

function sessionLevel(level: AuthLevel): level is "session" | "sessionWithPhone" {
  return level === "session" || level === "sessionWithPhone";
}

function callerOf(level: AuthLevel, request: FastifyRequest): object {
  if (sessionLevel(level)) return { identity: identityOf(request) };
  if (level === "pendingLogin") return { token: tokenOf(request, request.body) };
  return {};
}

const identities = new WeakMap<FastifyRequest, Identity>();

/**
 * The one authentication pre-handler: the request's token (body `token`, else `Authorization: Bearer`) to its
 * session, refused with the API's code (NeedAuthentication, SessionExpired, NeedRegisterPhone…). The profile
 * id goes on the request's later log lines.
 */
export function authenticationPreHandler(
  sessions: SessionService,
  requirePhone: boolean,
): preHandlerAsyncHookHandler {
  return async (request) => {
    const identity = await sessions.authenticate(tokenOf(request, request.body), { requirePhone });
    request.log = request.log.child({ profile: identity.profile.id });
    identities.set(request, identity);
  };
}

/** The identity the authentication pre-handler found for this request. */
export function identityOf(request: FastifyRequest): Identity {
  const identity = identities.get(request);
  if (!identity) throw new Error("the route has no authentication pre-handler");
  return identity;
}

/** The session token of a request: the body's `token`, else `Authorization: Bearer <token>`. */
export function tokenOf(request: FastifyRequest, body?: unknown): string | undefined {
  const token = typeof body === "object" && body !== null ? (body as { token?: unknown }).token : undefined;
  if (typeof token === "string" && token) return token;
  const header = request.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

/** Infinite numbers that Ajv's coercion let through are InvalidSchema (src/server/validation.ts). */
async function refuseNonFiniteNumbers(request: FastifyRequest): Promise<void> {
  if (holdsNonFiniteNumber(request.body)) throw new ApiError("InvalidSchema", "a number is not finite");
}
