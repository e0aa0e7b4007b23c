import type { Executor } from "../../storage/repositories/executor.ts";
import { dropNonce } from "../../storage/repositories/sessions.ts";
import {
  confirmOpenedSessionInOneStatement,
  openSession,
  openSessionOfKnownCertificate,
  type SessionConfirmation,
  type SessionOpening,
} from "./login-transactions.ts";

/**
 * Commits the writes of a login (login-transactions.ts). Each call resolves only after its transaction
 * committed: a confirmed session survives a restart once confirmAuth answered.
 */
export interface LoginCommitter {
  openSession(opening: SessionOpening): Promise<void>;
  /** False if the nonce was already used (a racing or repeated confirmation). */
  confirmSession(confirmation: SessionConfirmation): Promise<boolean>;
  /** Clears a pending nonce after a failed confirmation, so a nonce answers one attempt only. */
  dropNonce(sessionId: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The login's writes on the shared connection pool: PostgreSQL, whose commits do not block the event loop
 * (and whose server groups concurrent commits' WAL flushes itself). Each round trip costs the event loop more
 * than the statement costs the database, so the common cases take as few as they can: a known certificate's
 * session is one INSERT after its read (a transaction only when the binding has something to write), a
 * confirmation one statement.
 */
export class PostgresLoginCommitter implements LoginCommitter {
  constructor(private readonly db: Executor) {}

  async openSession(opening: SessionOpening): Promise<void> {
    if (await openSessionOfKnownCertificate(this.db, opening)) return;
    await this.db.transaction().execute((trx) => openSession(trx, opening));
  }

  confirmSession(confirmation: SessionConfirmation): Promise<boolean> {
    return confirmOpenedSessionInOneStatement(this.db, confirmation);
  }

  dropNonce(sessionId: number): Promise<void> {
    return dropNonce(this.db, sessionId);
  }

  async close(): Promise<void> {}
}
