import type { ProfileService } from "../../services/profiles.ts";
import type { ApiHandlers } from "../api-route.ts";

/** /api/profile/ (spec "Профиль"). */
export function profileHandlers(deps: { profiles: ProfileService }): ApiHandlers<"profile"> {
  return {
    profile: ({ identity }) => deps.profiles.view(identity),
  };
}
