import { sql } from "kysely";
import type { Logger } from "pino";
import type { BlobStore } from "../blobs/blob-store.ts";
import type { Storage } from "../storage/database.ts";
import type { Executor } from "../storage/repositories/executor.ts";
import { referencedFileIds } from "../storage/repositories/messages.ts";
import type { Clock } from "./clock.ts";

/** What one sweep saw and removed. */
export interface SweepOutcome {
  /** Blobs listed. */
  scanned: number;
  /**
   * Orphans deleted: older than the grace period and named by no message, and the store's leftovers of writes
   * cut short (filesystem temporary files) as old.
   */
  removed: number;
  removedBytes: number;
}

export interface SweepOptions {
  storage: Storage;
  blobs: BlobStore;
  clock: Clock;
  /** A blob younger than this (by the store's clock) is kept, referenced or not (docs/DECISIONS.md §21). */
  graceMs: number;
  /** Counts the orphans (as removed) without deleting them: `certchat files sweep --dry-run`. */
  dryRun?: boolean;
  /** Ends the sweep after the page in hand (a node shutting down); what was removed so far is reported. */
  signal?: AbortSignal;
}

/**
 * Deletes the blobs no message names that are older than the grace period, a listing page at a time: each
 * page's old blobs are checked in one statement, so memory stays at one page whatever the store holds. A
 * blob listed here and named by a message committed after the check would be lost; MessageService refuses to
 * commit a send whose blob was stored more than half the grace period before, so that cannot happen.
 */
async function sweepWith(db: Executor, options: SweepOptions): Promise<SweepOutcome> {
  const outcome: SweepOutcome = { scanned: 0, removed: 0, removedBytes: 0 };
  for await (const page of options.blobs.list()) {
    if (options.signal?.aborted) break;
    outcome.scanned += page.length;
    const cutoff = options.clock() - options.graceMs;
    const old = page.filter((blob) => blob.modifiedAt <= cutoff);
    if (old.length === 0) continue;
    const referenced = await referencedFileIds(
      db,
      old.map((blob) => blob.id),
    );
    for (const blob of old) {
      if (referenced.has(blob.id)) continue;
      if (!options.dryRun) await options.blobs.delete(blob.id);
      outcome.removed++;
      outcome.removedBytes += blob.size;
    }
  }
  if (options.signal?.aborted || !options.blobs.removeLeftovers) return outcome;
  const leftovers = await options.blobs.removeLeftovers(
    options.clock() - options.graceMs,
    options.dryRun ?? false,
  );
  return {
    scanned: outcome.scanned,
    removed: outcome.removed + leftovers.removed,
    removedBytes: outcome.removedBytes + leftovers.removedBytes,
  };
}

/**
 * One sweep, or undefined when another is running on the same PostgreSQL database and schema (another node,
 * or `certchat files sweep`): a session advisory lock on the connection the sweep's statements use lets one
 * sweep at a time, and is released with that connection if its node dies. SQLite is one node's database; a
 * CLI sweep run alongside that node's would only delete the same orphans twice (a missing blob's delete is
 * no error).
 */
export async function sweepOrphanBlobs(options: SweepOptions): Promise<SweepOutcome | undefined> {
  const { storage } = options;
  if (storage.dialect !== "postgres") return sweepWith(storage.db, options);
  return storage.db.connection().execute(async (connection) => {
    // Advisory locks are per database: the schema is part of the key, so certchat schemas side by side
    // (tests, staging next to production) do not hold each other off.
    const key = sql`hashtext('certchat.blob-sweep:' || current_schema())`;
    const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_lock(${key}) as locked`.execute(
      connection,
    );
    if (!rows[0]?.locked) return undefined;
    try {
      return await sweepWith(connection, options);
    } finally {
      await sql`select pg_advisory_unlock(${key})`.execute(connection);
    }
  });
}

/**
 * Sweeps every `intervalMs`, the first after one interval (start-up is busy enough). A failed round is
 * logged and retried at the next; a round still running when the next is due makes that one skip. Returns
 * a stop function that ends a running round after its current page and resolves once it has.
 */
export function startBlobSweeps(
  options: SweepOptions & {
    logger: Logger;
    intervalMs: number;
    /** Counts each round's removals (certchat_blob_sweep_*). */
    onSwept(outcome: SweepOutcome): void;
  },
): () => Promise<void> {
  const { logger } = options;
  let running: Promise<void> | undefined;
  const stopping = new AbortController();
  const round = async () => {
    try {
      const outcome = await sweepOrphanBlobs({ ...options, signal: stopping.signal });
      if (!outcome) {
        logger.info("blob sweep skipped: another node is sweeping");
        return;
      }
      options.onSwept(outcome);
      logger.info(outcome, "blob sweep done");
    } catch (error) {
      logger.error({ err: error }, "blob sweep failed; retried at the next round");
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = round().finally(() => {
      running = undefined;
    });
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    stopping.abort();
    await running;
  };
}
