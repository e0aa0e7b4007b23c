import type { FastifyRequest } from "fastify";
import { ApiError } from "../../protocol/errors.ts";
import type { RateLimitedMethod } from "../../protocol/routes.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";

/**
 * An onRequest guard: refuses a client address over its rate before the body is even parsed. The answer is
 * AuthenticationFailed in the usual HTTP 200 envelope (docs/API.md), so the deployed client shows a failed
 * login and the user can retry.
 */
export function rateLimitGuard(
  limiter: RateLimiter,
  scope: RateLimitedMethod,
  onRefused?: (scope: RateLimitedMethod) => void,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (!(await limiter.take(`${scope}:${request.ip}`))) {
      onRefused?.(scope);
      throw new ApiError("AuthenticationFailed", `${scope} rate limit exceeded by ${request.ip}`);
    }
  };
}
