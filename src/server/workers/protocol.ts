/** Messages between a WorkerThread (the parent's side) and serveParent (the worker's); structured-clone data. */

export type ToWorker<Request, Notice> =
  | { kind: "request"; id: number; body: Request }
  /** Needs no answer (e.g. a chunk of a body, new trust material). */
  | { kind: "notice"; body: Notice }
  /** Handle what came before, run the close handler, exit. */
  | { kind: "close" };

export type FromWorker<Answer> =
  | { kind: "ready" }
  /** The worker's setup threw: it exits without serving. */
  | { kind: "setup-failed"; error: ReportedError }
  | { kind: "answer"; id: number; body: Answer }
  /** The handler of this request threw; the worker serves on. */
  | { kind: "failed"; id: number; error: ReportedError };

/** An error as it crosses a thread boundary: its message and a driver's code (isUniqueViolation reads it). */
export interface ReportedError {
  message: string;
  code?: string;
}

export function reportError(error: unknown): ReportedError {
  const code = typeof error === "object" && error !== null ? (error as { code?: unknown }).code : undefined;
  return {
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === "string" ? { code } : {}),
  };
}

/** An error a worker reported, with the same message and code. */
export class WorkerReportedError extends Error {
  readonly code?: string;

  constructor(reported: ReportedError) {
    super(reported.message);
    this.name = "WorkerReportedError";
    if (reported.code !== undefined) this.code = reported.code;
  }
}
