import swagger from "@fastify/swagger";
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import { recordHttpMetrics } from "../metrics/http-metrics.ts";
import type { CertchatMetrics } from "../metrics/metrics.ts";
import type { Readiness } from "../readiness.ts";
import type { AuthService } from "../services/auth.ts";
import type { ChatService } from "../services/chats.ts";
import type { ContactService } from "../services/contacts.ts";
import type { FileService } from "../services/files.ts";
import type { MessageService } from "../services/messages.ts";
import type { PhoneService } from "../services/phones.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";
import type { SessionService } from "../services/sessions.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { tokenOf } from "./api-route.ts";
import { BodyParsePool } from "./body-parse-pool.ts";
import { installBodyReader } from "./body-reader.ts";
import { installBodyIdleTimeout } from "./body-timeout.ts";
import type { ProxyTrust } from "./client-address.ts";
import { answerClientError, answerFrameworkError, installErrorHandling } from "./error-handler.ts";
import { requestIdOf } from "./request-id.ts";
import { contactRoutes } from "./routes/contacts.ts";
import { fileRoutes } from "./routes/files.ts";
import { identityRoutes } from "./routes/identity.ts";
import { messageRoutes } from "./routes/messages.ts";
import { metaRoutes } from "./routes/meta.ts";
import { profileRoutes } from "./routes/profile.ts";

export interface HttpAppDeps {
  logger: Logger;
  /** sendMessage's body limit (it alone carries files). */
  maxBodyBytes: number;
  /** Every other method's body limit. */
  maxRequestBytes: number;
  maxBodiesInFlightBytes: number;
  timeouts: { httpHeadersMs: number; httpRequestMs: number; httpBodyIdleMs: number };
  db: Executor;
  auth: AuthService;
  phones: PhoneService;
  sessions: SessionService;
  authRateLimiter: RateLimiter;
  contacts: ContactService;
  chats: ChatService;
  messages: MessageService;
  files: FileService;
  readiness: Readiness;
  metrics: CertchatMetrics;
  /** CERTCHAT_TRUST_PROXY: whose X-Forwarded-For (and X-Request-Id) is believed; undefined = nobody's. */
  proxyTrust: ProxyTrust | undefined;
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
    ajv: { customOptions: { allowUnionTypes: true } },
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    trustProxy: deps.proxyTrust ?? false,
    requestIdHeader: false,
    genReqId: (request) => requestIdOf(request, deps.proxyTrust),
  });
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
    headerToken: (request) => tokenOf({}, request),
    inFlightBudgetBytes: deps.maxBodiesInFlightBytes,
  });
  installBodyIdleTimeout(app, deps.timeouts.httpBodyIdleMs);
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
    },
  });

  metaRoutes(app, deps);
  identityRoutes(app, { ...deps, onRateLimited: (scope) => deps.metrics.refused(scope) });
  profileRoutes(app, deps);
  contactRoutes(app, deps);
  messageRoutes(app, deps);
  fileRoutes(app, deps);
  return app;
}
