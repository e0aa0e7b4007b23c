import type { AuthService } from "../../services/auth.ts";
import type { PhoneService } from "../../services/phones.ts";
import type { SessionService } from "../../services/sessions.ts";
import type { ApiHandlers } from "../api-route.ts";

/**
 * /api/auth/, /api/confirmAuth/, /api/registryPhone/, /api/confirmPhone/ (spec "Аутентификация") and
 * /api/logout/ (an extension).
 */
export function identityHandlers(deps: {
  auth: AuthService;
  phones: PhoneService;
  sessions: SessionService;
  /** Sessions were ended here: this node's sockets of them are closed now rather than at the next sweep. */
  onSessionsEnded: () => void;
}): ApiHandlers<"auth" | "confirmAuth" | "registryPhone" | "confirmPhone" | "logout"> {
  return {
    logout: async ({ identity }) => {
      await deps.sessions.end(identity, deps.onSessionsEnded);
      return {};
    },
    auth: ({ body, ip }) => deps.auth.login(body, ip),
    confirmAuth: ({ body, token }) => deps.auth.confirm(token, body.sign),
    registryPhone: ({ body, identity, ip }) => deps.phones.register(identity, body.phone, ip),
    confirmPhone: ({ body, identity }) => deps.phones.confirm(identity, body.id, body.code),
  };
}
