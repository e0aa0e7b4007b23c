import { ApiError } from "../../protocol/errors.ts";
import { recordAuditEvent } from "../storage/repositories/audit.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import type { Profile } from "../storage/repositories/profiles.ts";
import { revokeSessions } from "../storage/repositories/session-admin.ts";
import {
  findSessionsWithProfiles,
  findSessionWithProfile,
  type Session,
  type SessionCertificate,
  type SessionWithProfile,
  touchSession,
  touchSessions,
} from "../storage/repositories/sessions.ts";
import type { Clock } from "./clock.ts";

/** Who is calling: a confirmed session, its profile and the certificate it logged in with. */
export interface Identity {
  session: Session;
  profile: Profile;
  certificate: SessionCertificate;
}

/** How long a session may live: since its last use, and since its login whatever the use. */
export interface SessionLifetime {
  idleMs: number;
  maxAgeMs: number;
}

export interface SessionGuardOptions {
  /** Methods other than phone registration need a confirmed phone (NeedRegisterPhone otherwise). */
  requirePhone: boolean;
}

/**
 * Resolves tokens to identities and enforces session expiry (docs/DECISIONS.md §4). A session ends when its certificate
 * is revoked (InvalidCertificate, the answer a login with it gets) or expires (CertificateExpired), after its
 * absolute maximum age, or after idle time (SessionExpired).
 */
export class SessionService {
  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
    private readonly lifetime: SessionLifetime,
  ) {}

  /** The service's clock (tests inject their own): what session ends are measured against. */
  now(): number {
    return this.clock();
  }

  /** When an identity's session ends whatever its use: its certificate's notAfter or its maximum age. */
  endsAt(identity: Pick<Identity, "session" | "certificate">): number {
    return Math.min(identity.certificate.notAfter, identity.session.created_at + this.lifetime.maxAgeMs);
  }

  /**
   * The refusal for an identity resolved earlier (a socket keeps it between events) whose certificate or
   * maximum age has run out since; undefined while it lasts. Revocation and idle time need the database and
   * are checked when the token is resolved again (the socket sweep).
   */
  lifetimeRefusal(identity: Pick<Identity, "session" | "certificate">): ApiError | undefined {
    const now = this.clock();
    if (now > identity.certificate.notAfter)
      return new ApiError("CertificateExpired", "session certificate expired");
    if (now - identity.session.created_at > this.lifetime.maxAgeMs)
      return new ApiError("SessionExpired", "session past its maximum age");
    return undefined;
  }

  /**
   * Ends the caller's session for good (/api/logout/, an extension): its token reads as unconfirmed
   * (NeedAuthentication) from the commit on, on every node; its sockets are closed by the session-end watch
   * (at once on this node through `onEnded`, on the others at their next poll or Redis notice).
   */
  async end(identity: Identity, onEnded: () => void): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await revokeSessions(trx, { sessionId: identity.session.id });
      await recordAuditEvent(
        trx,
        {
          type: "logout",
          actor: `profile:${identity.profile.id}`,
          profileId: identity.profile.id,
          certificateId: identity.session.certificate_id,
          sessionId: identity.session.id,
        },
        this.clock(),
      );
    });
    onEnded();
  }

  async authenticate(token: string | undefined, options: SessionGuardOptions): Promise<Identity> {
    if (!token) throw new ApiError("NeedAuthentication", "no token");
    const found = await findSessionWithProfile(this.db, token);
    const { session, due } = this.liveSession(found);
    if (due) await touchSession(this.db, session.id, this.clock());
    return this.identity(found, options);
  }

  /**
   * What `authenticate` would refuse each of these tokens with (tokens it accepts are absent), in a query per
   * 500 tokens, refreshing the idle clocks that are due as `authenticate` does: for re-checking every
   * connected socket's session at once.
   */
  async refusals(tokens: readonly string[], options: SessionGuardOptions): Promise<Map<string, ApiError>> {
    const found = await findSessionsWithProfiles(this.db, tokens);
    const refused = new Map<string, ApiError>();
    const due: number[] = [];
    for (const token of tokens) {
      try {
        const live = this.liveSession(found.get(token));
        if (live.due) due.push(live.session.id);
        this.identity(found.get(token), options);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        refused.set(token, error);
      }
    }
    await touchSessions(this.db, due, this.clock());
    return refused;
  }

  /** The confirmed, not idle-expired session, and whether its idle clock is due a refresh; or the refusal. */
  private liveSession(found: SessionWithProfile | undefined): { session: Session; due: boolean } {
    const session = found?.session;
    const certificate = found?.certificate;
    if (session?.confirmed !== 1 || !certificate)
      throw new ApiError("NeedAuthentication", "unknown or unconfirmed token");
    if (certificate.revokedAt !== null)
      throw new ApiError("InvalidCertificate", "session certificate revoked");
    const ended = this.lifetimeRefusal({ session, certificate });
    if (ended) throw ended;
    const idle = this.clock() - session.last_seen_at;
    if (idle > this.lifetime.idleMs) throw new ApiError("SessionExpired");
    // Refresh the idle clock at most once a minute (or 1% of the TTL) instead of writing on every request.
    return { session, due: idle > Math.min(60_000, this.lifetime.idleMs / 100) };
  }

  private identity(found: SessionWithProfile | undefined, options: SessionGuardOptions): Identity {
    const profile = found?.profile;
    const certificate = found?.certificate;
    if (!found || !profile || !certificate)
      throw new ApiError("NeedAuthentication", "session without profile");
    if (options.requirePhone && profile.user_id === null) throw new ApiError("NeedRegisterPhone");
    return { session: found.session, profile, certificate };
  }
}
