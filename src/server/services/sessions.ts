import { ApiError } from "../../protocol/errors.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import type { Profile } from "../storage/repositories/profiles.ts";
import { findSessionWithProfile, type Session, touchSession } from "../storage/repositories/sessions.ts";
import type { Clock } from "./clock.ts";

/** Who is calling: a confirmed session and its profile. */
export interface Identity {
  session: Session;
  profile: Profile;
}

export interface SessionGuardOptions {
  /** Methods other than phone registration need a confirmed phone (NeedRegisterPhone otherwise). */
  requirePhone: boolean;
}

/** Resolves tokens to identities and enforces session expiry (DESIGN §4). */
export class SessionService {
  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly idleTtlMs: number,
  ) {}

  async authenticate(token: string | undefined, options: SessionGuardOptions): Promise<Identity> {
    if (!token) throw new ApiError("NeedAuthentication", "no token");
    const found = await findSessionWithProfile(this.db, token);
    const session = found?.session;
    if (session?.confirmed !== 1) throw new ApiError("NeedAuthentication", "unknown or unconfirmed token");
    const now = this.clock();
    const idle = now - session.last_seen_at;
    if (idle > this.idleTtlMs) throw new ApiError("SessionExpired");
    // Refresh the idle clock at most once a minute (or 1% of the TTL) instead of writing on every request.
    if (idle > Math.min(60_000, this.idleTtlMs / 100)) await touchSession(this.db, session.id, now);
    const profile = found?.profile;
    if (!profile) throw new ApiError("NeedAuthentication", "session without profile");
    if (options.requirePhone && profile.user_id === null) throw new ApiError("NeedRegisterPhone");
    return { session, profile };
  }
}
