import { setTimeout as sleep } from "node:timers/promises";
import type { CompiledQuery } from "kysely";
import pg from "pg";
import type { Executor } from "../repositories/executor.ts";
import {
  findStoredMessages,
  idsInInsertOrder,
  insertMessagesOfOneChatQuery,
  insertMessagesQuery,
  releaseLocalIdQueryOf,
} from "../repositories/messages.ts";
import type { BatchCommitter, BatchOutcome, MessageWrite } from "./batch-committer.ts";

/** What a batch whose commit went unanswered turned out to be (docs/DECISIONS.md §15). */
export type UnknownOutcomeResolution = "committed" | "failed" | "unresolved";

export interface PostgresCommitterOptions {
  /** How long the outcome of an unanswered commit is looked for before the batch is given up (ms). */
  resolveWithinMs?: number;
  /** Told of each unanswered commit once it is resolved (or given up), with the connection's error. */
  onUnknownOutcome?: (resolution: UnknownOutcomeResolution, error: unknown) => void;
}

/** The outcome of a batch's commit could not be learnt within the bound: it may or may not be stored. */
export class UnresolvedCommitError extends Error {
  constructor(cause: unknown) {
    super("the connection was lost while a message batch committed, and its outcome could not be learnt", {
      cause,
    });
  }
}

/** The statement that commits was sent and no answer came back: the batch may be committed or not. */
class CommitUnanswered extends Error {
  constructor(
    readonly lost: unknown,
    readonly backendPid: number | undefined,
  ) {
    super("no answer to a commit");
  }
}

const DEFAULT_RESOLVE_WITHIN_MS = 10_000;
const FIRST_RETRY_MS = 50;
const LONGEST_RETRY_MS = 1_000;

/**
 * Commits a batch on a client of the shared pool (PostgreSQL, whose commits do not block the event loop): one
 * multi-row INSERT … RETURNING. Every batch locks its chats (FOR NO KEY UPDATE) before its rows draw their
 * ids, to its commit, so that across nodes a chat's ids follow the order its messages become visible
 * (docs/DECISIONS.md §13). A batch of one chat alone is its own transaction, the lock taken inside the INSERT
 * (one round trip instead of BEGIN, INSERT, COMMIT); a batch over several chats, or one that releases a stale
 * localId, runs in one transaction that locks its chats first.
 *
 * An error PostgreSQL answered (a SQLSTATE) fails the batch. A connection lost while the committing statement
 * (the lone INSERT, or COMMIT) was in flight leaves the outcome unknown — the server may have committed and
 * the answer never arrived — so it is resolved on another connection before anyone is answered: the batch's
 * rows are looked for. Found: committed, with their ids. Not found once the backend that ran it has left its
 * statement (it might still commit while it waits for a lock): failed. Not learnt within `resolveWithinMs` (the database stays down): rejected, which
 * MessageWriter answers as a failure without retrying the batch (docs/DECISIONS.md §15).
 */
export class PostgresCommitter implements BatchCommitter {
  private readonly resolveWithinMs: number;

  constructor(
    private readonly db: Executor,
    private readonly pool: pg.Pool,
    private readonly options: PostgresCommitterOptions = {},
  ) {
    this.resolveWithinMs = options.resolveWithinMs ?? DEFAULT_RESOLVE_WITHIN_MS;
  }

  async commit(batch: MessageWrite[]): Promise<BatchOutcome> {
    let unanswered: CommitUnanswered;
    try {
      return { committed: true, ids: await this.atomically(batch) };
    } catch (error) {
      if (!(error instanceof CommitUnanswered)) return { committed: false, error };
      unanswered = error;
    }
    const outcome = await this.resolve(batch, unanswered);
    this.options.onUnknownOutcome?.(outcome.committed ? "committed" : "failed", unanswered.lost);
    return outcome;
  }

  async close(): Promise<void> {}

  private async atomically(batch: MessageWrite[]): Promise<number[]> {
    const client = await this.pool.connect();
    const session = { client, inTransaction: false };
    let broken: Error | undefined;
    try {
      return await this.write(session, batch);
    } catch (error) {
      broken = answered(error) ? await rolledBack(session) : asError(error);
      throw error;
    } finally {
      // A client whose connection failed is dropped (release with an error ends it), not returned to the pool.
      client.release(broken);
    }
  }

  private async write(session: Session, batch: MessageWrite[]): Promise<number[]> {
    const { client } = session;
    const rows = batch.map((one) => one.row);
    const chatIds = [...new Set(rows.map((row) => row.chat_id))].sort();
    const [onlyChat] = chatIds;
    if (
      chatIds.length === 1 &&
      onlyChat !== undefined &&
      batch.every((one) => one.releaseLocalIdOf === undefined)
    )
      return idsInInsertOrder(
        await committing(client, insertMessagesOfOneChatQuery(this.db, onlyChat, rows)),
      );
    session.inTransaction = true;
    await run(client, "begin");
    // Each chat is locked exclusively of other batches before any id is drawn, so ids of one chat follow the
    // commit order across nodes (§13); FOR NO KEY UPDATE still lets foreign-key checks (KEY SHARE) through.
    // Ascending, as a membership change locks its chats (lockChats): the two cannot deadlock (§8.8).
    await run(
      client,
      this.db
        .selectFrom("chats")
        .select("id")
        .where("id", "in", chatIds)
        .orderBy("id")
        .forNoKeyUpdate()
        .compile(),
    );
    for (const { releaseLocalIdOf } of batch) {
      if (releaseLocalIdOf !== undefined) await run(client, releaseLocalIdQueryOf(this.db, releaseLocalIdOf));
    }
    const ids = idsInInsertOrder(await run(client, insertMessagesQuery(this.db, rows)));
    await committing(client, "commit");
    return ids;
  }

  /**
   * The batch's fate once the statement that commits went unanswered. Its rows found: committed, whatever the
   * backend that ran it is doing. Not found: failed only if that backend had already left its statement
   * before the look (it cannot commit afterwards); else look again. Retries while the database is
   * unreachable, up to `resolveWithinMs`.
   */
  private async resolve(batch: MessageWrite[], unanswered: CommitUnanswered): Promise<BatchOutcome> {
    const deadline = performance.now() + this.resolveWithinMs;
    for (let wait = FIRST_RETRY_MS; ; wait = Math.min(wait * 2, LONGEST_RETRY_MS)) {
      try {
        const running = await this.stillRunning(unanswered.backendPid);
        const ids = await findStoredMessages(
          this.db,
          batch.map((one) => one.row),
        );
        if (ids) return { committed: true, ids };
        if (!running) return { committed: false, error: unanswered.lost };
      } catch {
        // The database is not reachable yet: ask again.
      }
      if (performance.now() + wait > deadline) {
        this.options.onUnknownOutcome?.("unresolved", unanswered.lost);
        throw new UnresolvedCommitError(unanswered.lost);
      }
      await sleep(wait);
    }
  }

  /**
   * Whether the backend that ran the batch is still inside a statement or transaction (it may yet commit).
   * Gone or idle: it has finished with the batch, one way or the other. A pid reused by another backend that
   * is busy only makes this wait longer, up to the bound.
   */
  private async stillRunning(backendPid: number | undefined): Promise<boolean> {
    if (backendPid === undefined) return false;
    const { rows } = await this.pool.query<{ state: string | null }>(
      "select state from pg_stat_activity where pid = $1",
      [backendPid],
    );
    const state = rows[0]?.state;
    return state !== undefined && state !== "idle";
  }
}

interface Session {
  client: pg.PoolClient;
  /** BEGIN was sent: an error PostgreSQL answered leaves a transaction to roll back. */
  inTransaction: boolean;
}

/** Runs a statement; a connection error is left as it is (before the commit, nothing can have committed). */
async function run(client: pg.PoolClient, query: CompiledQuery | string): Promise<{ id: number }[]> {
  const { rows } =
    typeof query === "string"
      ? await client.query<{ id: number }>(query)
      : await client.query<{ id: number }>(query.sql, [...query.parameters]);
  return rows;
}

/**
 * Whether PostgreSQL answered the statement with an error (a SQLSTATE), so it and its transaction did not
 * commit. A FATAL or PANIC one (a shutdown's 57P01) ends the session without saying whether it came before
 * the commit or after it: that is not an answer.
 */
function answered(error: unknown): error is pg.DatabaseError {
  return error instanceof pg.DatabaseError && error.severity === "ERROR";
}

/**
 * Runs the statement whose success commits the batch. An error PostgreSQL answered is a failure; any other
 * (the connection closed, reset or timed out) leaves the outcome unknown.
 */
async function committing(client: pg.PoolClient, query: CompiledQuery | string): Promise<{ id: number }[]> {
  try {
    return await run(client, query);
  } catch (error) {
    if (answered(error)) throw error;
    throw new CommitUnanswered(error, (client as pg.PoolClient & { processID?: number }).processID);
  }
}

/** Ends the failed transaction, if any; the error to drop the client with if that fails. */
async function rolledBack(session: Session): Promise<Error | undefined> {
  if (!session.inTransaction) return undefined;
  try {
    await run(session.client, "rollback");
    return undefined;
  } catch (error) {
    return asError(error);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
