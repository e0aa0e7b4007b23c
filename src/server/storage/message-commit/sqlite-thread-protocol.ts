import type { MessageWrite } from "./batch-committer.ts";

/** What the SQLite writer thread is started with. */
export interface WriterThreadSetup {
  file: string;
}

export interface CommitRequest {
  id: number;
  batch: MessageWrite[];
}

/** A write's outcome as it crosses the thread boundary: an error keeps its message and driver code. */
export type ThreadOutcome = { ok: true; id: number } | { ok: false; message: string; code?: string };

export type ThreadMessage =
  | { type: "ready" }
  | { type: "committed"; id: number; outcomes: ThreadOutcome[] }
  /** The thread could not start (e.g. the database file cannot be opened). */
  | { type: "failed"; message: string };
