import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { recordHttpMetrics } from "../metrics/http-metrics.ts";
import type { CertchatMetrics } from "../metrics/metrics.ts";
import type { Readiness } from "../readiness.ts";
import type { AuthService } from "../services/auth.ts";
import type { ChatKeysService } from "../services/chat-keys.ts";
import type { ChatMembershipService } from "../services/chat-membership.ts";
import type { ChatService } from "../services/chats.ts";
import type { ContactService } from "../services/contacts.ts";
import type { FileService } from "../services/files.ts";
import type { LimitKey } from "../services/limit-key.ts";
import type { MessageService } from "../services/messages.ts";
import type { PhoneService } from "../services/phones.ts";
import type { ProfileService } from "../services/profiles.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";
import type { SessionService } from "../services/sessions.ts";
import { AJV_CUSTOM_OPTIONS } from "../validation.ts";
import { registerApiMethods, tokenOf } from "./api-route.ts";
import { BodyParsePool } from "./body-parse-pool.ts";
import { installBodyReader } from "./body-reader.ts";
import { installAnswerIdleTimeout, installBodyIdleTimeout } from "./body-timeout.ts";
import type { ProxyTrust } from "./client-address.ts";
import type { ClosingGate } from "./closing.ts";
import { registerFileDownload } from "./download-route.ts";
import { answerClientError, answerFrameworkError, installErrorHandling } from "./error-handler.ts";
import { rateLimitGuard } from "./rate-limit.ts";
import { requestIdOf } from "./request-id.ts";
import { lazyChildLogger } from "./request-logger.ts";
import { chatHandlers } from "./routes/chats.ts";
import { contactHandlers } from "./routes/contacts.ts";
import { fileDownloadHandler, fileHandlers } from "./routes/files.ts";
import { identityHandlers } from "./routes/identity.ts";
import { messageHandlers } from "./routes/messages.ts";
import { metaRoutes } from "./routes/meta.ts";
import { profileHandlers } from "./routes/profile.ts";
import { findBuiltClient, registerStaticClient } from "./static-client.ts";

export interface HttpAppDeps {
  logger: Logger;
  /** sendMessage's body limit (it alone carries files). */
  maxBodyBytes: number;
  /** Every other method's body limit. */
  maxRequestBytes: number;
  maxBodiesInFlightBytes: number;
  timeouts: {
    httpHeadersMs: number;
    httpRequestMs: number;
    httpBodyIdleMs: number;
    httpAnswerIdleMs: number;
  };
  auth: AuthService;
  phones: PhoneService;
  sessions: SessionService;
  /** Sessions were ended by a request (logout): this node's sockets of them are closed at once. */
  onSessionsEnded: () => void;
  /** Per client address, for /api/auth/ and /api/confirmAuth/ (separately). */
  authRateLimiter: RateLimiter;
  profiles: ProfileService;
  contacts: ContactService;
  chats: ChatService;
  membership: ChatMembershipService;
  chatKeys: ChatKeysService;
  messages: MessageService;
  files: FileService;
  readiness: Readiness;
  metrics: CertchatMetrics;
  /** Answers every request 503 once the node is closing, and tells when requests stopped arriving. */
  closing: ClosingGate;
  /** CERTCHAT_TRUST_PROXY: whose X-Forwarded-For (and X-Request-Id) is believed; undefined = nobody's. */
  proxyTrust: ProxyTrust | undefined;
  /** What per-address limits count a client address under (CERTCHAT_IPV6_PREFIX). */
  limitKey: LimitKey;
}

/** The Fastify application: every API route, the envelope on every answer, OpenAPI and health. */
export async function buildHttpApp(deps: HttpAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.maxRequestBytes,
    // Slow clients (slowloris): Node answers 408 and closes. Its timers are checked at this interval.
    requestTimeout: deps.timeouts.httpRequestMs,
    http: {
      headersTimeout: deps.timeouts.httpHeadersMs,
      connectionsCheckingInterval: Math.min(1_000, deps.timeouts.httpHeadersMs),
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Type lists like ["integer", "string"] (localId): coerced only when no listed type matches.
    ajv: { customOptions: AJV_CUSTOM_OPTIONS },
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLogger,
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    trustProxy: deps.proxyTrust ?? false,
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request, deps.proxyTrust),
    // answerWhileClosing answers instead, with the envelope.
    return503OnClosing: false,
  });
  // The first onRequest hook: a request arriving while the node closes runs no other.
  deps.closing.install(app);
  installErrorHandling(app);
  recordHttpMetrics(app, deps.metrics);
  app.addHook("onRequest", (request, reply, done) => {
    reply.header("x-request-id", request.id);
    done();
  });

  const bodyParser = new BodyParsePool();
  bodyParser.warm();
  app.addHook("onClose", () => bodyParser.close());
  installBodyReader(app, {
    pool: bodyParser,
    authenticate: async (token) => {
      await deps.sessions.authenticate(token, { requirePhone: true });
    },
    headerToken: (request) => tokenOf(request),
    inFlightBudgetBytes: deps.maxBodiesInFlightBytes,
    largestBodyBytes: Math.max(deps.maxBodyBytes, deps.maxRequestBytes),
    limitKey: deps.limitKey,
  });
  installBodyIdleTimeout(app, deps.timeouts.httpBodyIdleMs);
  installAnswerIdleTimeout(app, deps.timeouts.httpAnswerIdleMs);
  app.addHook("preValidation", async (request) => {
    if (request.body === undefined || request.body === null) request.body = {};
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: "certchat API",
        version: "1.0.0",
        description: "Every method is POST and answers HTTP 200 with {success, error?, data?}.",
      },
      components: {
        securitySchemes: {
          bearer: {
            type: "http",
            scheme: "bearer",
            description: "The session token; the body's `token` field is accepted instead",
          },
        },
      },
    },
  });

  metaRoutes(app, deps);
  registerApiMethods(
    app,
    {
      sessions: deps.sessions,
      bodyLimits: { request: deps.maxRequestBytes, upload: deps.maxBodyBytes },
      rateLimit: (scope) =>
        rateLimitGuard(deps.authRateLimiter, scope, deps.limitKey, (refused) =>
          deps.metrics.refused(refused),
        ),
    },
    {
      ...identityHandlers(deps),
      ...profileHandlers(deps),
      ...contactHandlers(deps),
      ...chatHandlers(deps),
      ...messageHandlers(deps),
      ...fileHandlers(deps),
    },
  );
  registerFileDownload(app, deps.sessions, fileDownloadHandler(deps));
  // The web client (dist/web) at `/`, when it was built.
  await registerStaticClient(app, findBuiltClient());
  return app;
}
