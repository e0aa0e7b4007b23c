import type { FastifyRequest } from "fastify";
import { ApiError } from "../../protocol/errors.ts";
import type { RateLimitedMethod } from "../../protocol/routes.ts";
import type { LimitKey } from "../services/limit-key.ts";
import type { RateLimiter } from "../services/rate-limiter.ts";

/**
 * An onRequest guard: refuses a client address over its rate before the body is even parsed, counted under
 * the address's limit key (an IPv6 address's prefix: limit-key.ts). The answer is
 * AuthenticationFailed in the usual HTTP 200 envelope (docs/API.md), so the deployed client shows a failed
 * login and the user can retry.
 */
export function rateLimitGuard(
  limiter: RateLimiter,
  scope: RateLimitedMethod,
  limitKey: LimitKey,
  onRefused?: (scope: RateLimitedMethod) => void,
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    const key = limitKey(request.ip);
    if (!(await limiter.take(`${scope}:${key}`))) {
      onRefused?.(scope);
      throw new ApiError("AuthenticationFailed", `${scope} rate limit exceeded by ${key} (${request.ip})`);
    }
  };
}
