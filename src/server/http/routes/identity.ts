import type { FastifyInstance } from "fastify";
import {
  AuthData,
  AuthRequest,
  ConfirmAuthData,
  ConfirmAuthRequest,
  ConfirmPhoneData,
  ConfirmPhoneRequest,
  RegistryPhoneData,
  RegistryPhoneRequest,
} from "../../../protocol/schemas/identity.ts";
import type { AuthService } from "../../services/auth.ts";
import type { PhoneService } from "../../services/phones.ts";
import type { RateLimiter } from "../../services/rate-limiter.ts";
import type { SessionService } from "../../services/sessions.ts";
import { apiRoute, authenticateRequest, tokenOf } from "../api-route.ts";
import { rateLimitGuard } from "../rate-limit.ts";

export interface IdentityRouteDeps {
  auth: AuthService;
  phones: PhoneService;
  sessions: SessionService;
  /** Per client address, for /api/auth/ and /api/confirmAuth/ (separately). */
  authRateLimiter: RateLimiter;
  /** Told of each request the login rate limit refused (metrics). */
  onRateLimited?: (scope: "auth" | "confirmAuth") => void;
}

/** /api/auth/, /api/confirmAuth/, /api/registryPhone/, /api/confirmPhone/ (spec "Аутентификация"). */
export function identityRoutes(app: FastifyInstance, deps: IdentityRouteDeps): void {
  const tags = ["identity"];
  apiRoute(
    app,
    {
      path: "/api/auth/",
      summary: "Start a login with a certificate",
      tags,
      body: AuthRequest,
      data: AuthData,
      guard: rateLimitGuard(deps.authRateLimiter, "auth", deps.onRateLimited),
    },
    (body, request) => deps.auth.login(body, request.ip),
  );
  apiRoute(
    app,
    {
      path: "/api/confirmAuth/",
      summary: "Confirm the login by signing the nonce",
      tags,
      body: ConfirmAuthRequest,
      data: ConfirmAuthData,
      guard: rateLimitGuard(deps.authRateLimiter, "confirmAuth", deps.onRateLimited),
    },
    (body, request) => deps.auth.confirm(tokenOf(body, request), body.sign),
  );
  apiRoute(
    app,
    {
      path: "/api/registryPhone/",
      summary: "Send an SMS code to the phone",
      tags,
      body: RegistryPhoneRequest,
      data: RegistryPhoneData,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: false,
      });
      return deps.phones.register(identity, body.phone, request.ip);
    },
  );
  apiRoute(
    app,
    {
      path: "/api/confirmPhone/",
      summary: "Confirm the phone with the SMS code",
      tags,
      body: ConfirmPhoneRequest,
      data: ConfirmPhoneData,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: false,
      });
      return deps.phones.confirm(identity, body.id, body.code);
    },
  );
}
