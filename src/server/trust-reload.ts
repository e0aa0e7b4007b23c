import type { Logger } from "pino";
import type { Pki } from "../pki/create-pki.ts";
import type { TrustMaterial, TrustStore } from "../pki/trust.ts";
import type { Clock } from "./services/clock.ts";
import { markRevokedCertificates } from "./services/revocation.ts";
import type { Executor } from "./storage/repositories/executor.ts";
import { loadTrust, type TrustSources } from "./trust-setup.ts";

export interface TrustReloadOptions {
  sources: TrustSources;
  /** The store loaded at start-up. */
  initial: TrustStore;
  /** The server's PKI instance: reloaded stores use its algorithms and caches. */
  pki: Pki;
  /** Where the verification workers get the new anchors and CRLs. */
  workers: { updateTrust(trust: TrustMaterial): void };
  db: Executor;
  clock: Clock;
  logger: Logger;
  /** Sessions were ended: check connected sockets now rather than at the next periodic sweep. */
  onSessionsEnded(): void;
  /** After a reload, when the stored certificates are checked once more (LATE_LOGIN_RECHECK_MS unless given). */
  recheckAfterMs?: number;
}

/**
 * A login whose certificate a worker validated against the previous CRLs just before a reload may store that
 * certificate after the reload's check has passed it by: twice the verification timeout (30 s) covers the
 * validation and the commit that follows, so a second check then finds it.
 */
const LATE_LOGIN_RECHECK_MS = 60_000;

export interface TrustReloadOutcome {
  /** False when a file could not be read or parsed: the previous anchors and CRLs stay in force. */
  reloaded: boolean;
  /** Certificates newly found revoked (their sessions ended). */
  revoked: number;
}

/**
 * Re-reads CERTCHAT_TRUST and CERTCHAT_CRL (periodically and on SIGHUP), hands the result to every
 * verification worker and ends the sessions of certificates the CRLs now list. A broken file keeps the previous
 * store and is logged: a bad CRL download must not take the server down or drop revocations already known.
 * Reloads run one at a time.
 */
export class TrustReloader {
  private store: TrustStore;
  private last: Promise<unknown> = Promise.resolve();
  private recheck: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: TrustReloadOptions) {
    this.store = options.initial;
  }

  reload(): Promise<TrustReloadOutcome> {
    const next = this.last.then(() => this.reloadOnce());
    this.last = next.catch(() => undefined);
    return next;
  }

  /** Resolves when no reload or check is running (before the storage closes). */
  async idle(): Promise<void> {
    await this.last;
  }

  /** Checks the sessions against the start-up CRLs now, then reloads every `intervalMs`; returns a stop. */
  start(intervalMs: number): () => void {
    this.last = this.endRevokedSessions().catch((error: unknown) =>
      this.options.logger.error({ err: error }, "revocation check of sessions failed"),
    );
    const timer = setInterval(() => void this.reload(), intervalMs);
    timer.unref();
    return () => {
      this.stopped = true;
      clearInterval(timer);
      clearTimeout(this.recheck);
    };
  }

  private async reloadOnce(): Promise<TrustReloadOutcome> {
    const { logger, sources } = this.options;
    try {
      const { store, description, warnings } = await loadTrust(sources, this.options.pki);
      this.store = store;
      this.options.workers.updateTrust(store.material());
      logger.info(`trust reloaded: ${description}`);
      for (const warning of warnings) logger.warn(warning);
    } catch (error) {
      logger.error({ err: error }, "trust/CRL reload failed: keeping the previous anchors and CRLs");
      return { reloaded: false, revoked: 0 };
    }
    this.scheduleRecheck();
    try {
      return { reloaded: true, revoked: await this.endRevokedSessions() };
    } catch (error) {
      logger.error({ err: error }, "revocation check of sessions failed");
      return { reloaded: true, revoked: 0 };
    }
  }

  /** One more check after the logins validated against the previous CRLs have landed; a later reload's replaces it. */
  private scheduleRecheck(): void {
    if (this.stopped) return;
    clearTimeout(this.recheck);
    this.recheck = setTimeout(() => {
      const check = this.last.then(() => this.endRevokedSessions());
      this.last = check.catch((error: unknown) =>
        this.options.logger.error({ err: error }, "revocation check of sessions failed"),
      );
    }, this.options.recheckAfterMs ?? LATE_LOGIN_RECHECK_MS);
    this.recheck.unref();
  }

  private async endRevokedSessions(): Promise<number> {
    const revoked = await markRevokedCertificates(this.options.db, this.store, this.options.clock());
    if (revoked > 0) {
      this.options.logger.warn({ certificates: revoked }, "revoked certificates found: their sessions ended");
      this.options.onSessionsEnded();
    }
    return revoked;
  }
}
