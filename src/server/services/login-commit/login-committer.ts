import type { Executor } from "../../storage/repositories/executor.ts";
import { dropNonce } from "../../storage/repositories/sessions.ts";
import {
  confirmOpenedSession,
  openSession,
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
 * A transaction per call on the shared connection pool: PostgreSQL, whose commits do not block the event
 * loop (and whose server groups concurrent commits' WAL flushes itself).
 */
export class PoolLoginCommitter implements LoginCommitter {
  constructor(private readonly db: Executor) {}

  openSession(opening: SessionOpening): Promise<void> {
    return this.db.transaction().execute((trx) => openSession(trx, opening));
  }

  confirmSession(confirmation: SessionConfirmation): Promise<boolean> {
    return this.db.transaction().execute((trx) => confirmOpenedSession(trx, confirmation));
  }

  dropNonce(sessionId: number): Promise<void> {
    return dropNonce(this.db, sessionId);
  }

  async close(): Promise<void> {}
}
