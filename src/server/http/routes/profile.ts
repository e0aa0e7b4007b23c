import type { FastifyInstance } from "fastify";
import { ProfileData, ProfileRequest } from "../../../protocol/schemas/identity.ts";
import { profileView } from "../../services/profiles.ts";
import type { SessionService } from "../../services/sessions.ts";
import type { Executor } from "../../storage/repositories/executor.ts";
import { apiRoute, authenticateRequest, tokenOf } from "../api-route.ts";

/** /api/profile/ (spec "Профиль"). */
export function profileRoutes(app: FastifyInstance, deps: { db: Executor; sessions: SessionService }): void {
  apiRoute(
    app,
    {
      path: "/api/profile/",
      summary: "The caller's profile",
      tags: ["profile"],
      body: ProfileRequest,
      data: ProfileData,
    },
    async (body, request) => {
      const identity = await authenticateRequest(deps.sessions, request, tokenOf(body, request), {
        requirePhone: true,
      });
      return profileView(deps.db, identity);
    },
  );
}
