import type { AuthService } from "../../services/auth.ts";
import type { PhoneService } from "../../services/phones.ts";
import type { ApiHandlers } from "../api-route.ts";

/** /api/auth/, /api/confirmAuth/, /api/registryPhone/, /api/confirmPhone/ (spec "Аутентификация"). */
export function identityHandlers(deps: {
  auth: AuthService;
  phones: PhoneService;
}): ApiHandlers<"auth" | "confirmAuth" | "registryPhone" | "confirmPhone"> {
  return {
    auth: ({ body, ip }) => deps.auth.login(body, ip),
    confirmAuth: ({ body, token }) => deps.auth.confirm(token, body.sign),
    registryPhone: ({ body, identity, ip }) => deps.phones.register(identity, body.phone, ip),
    confirmPhone: ({ body, identity }) => deps.phones.confirm(identity, body.id, body.code),
  };
}
