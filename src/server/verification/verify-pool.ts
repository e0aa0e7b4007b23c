import type { TrustMaterial } from "../../pki/trust.ts";
import { type WorkerEntry, WorkerExitError, WorkerThread } from "../workers/worker-thread.ts";
import type {
  LoginChecker,
  LoginCheckInput,
  LoginVerdict,
  SignatureCheckInput,
  SignatureVerdict,
} from "./login-check.ts";
import type { JobOutcome, TrustUpdate, VerifyBatch, VerifyJob, WorkerSetup } from "./verify-protocol.ts";

/**
 * A pool of worker threads for the CPU-heavy login checks (docs/DECISIONS.md §5, §7), so that a burst of logins,
 * honest or not, cannot stall the event loop. Jobs wait in a bounded FIFO queue; when it is full a job is
 * refused at once rather than queued behind minutes of work. An idle worker takes its share of what waits
 * in one message (up to MAX_BATCH jobs): under load the hop to the worker and back is paid per batch, not
 * per job. A job never hangs: a worker that dies fails the jobs it held and is replaced, and every job has
 * a deadline.
 */

export type UnavailableReason = "queue-full" | "worker-failed" | "timeout" | "closed";

/** The pool could not give an answer: not a verdict on the input (AuthService reports CryptoError). */
export class VerificationUnavailableError extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
  ) {
    super(message);
    this.name = "VerificationUnavailableError";
  }
}

export interface VerifyPoolOptions {
  size: number;
  /** Jobs waiting for a worker, beyond those being worked on. */
  queueLimit: number;
  setup: WorkerSetup;
  /** From submission to answer, queue wait included. */
  jobTimeoutMs?: number;
  /**
   * Called with each verdict and the time its worker took (queue wait excluded): the algorithm of a valid
   * signature, undefined for a refusal.
   */
  onVerified?: (seconds: number, algorithm: string | undefined) => void;
  /** Called when a job is refused because the queue is full. */
  onQueueFull?: () => void;
  /** Called when a worker dies, with why; the pool replaces it. */
  onWorkerFailure?: (error: Error) => void;
  /** Tests substitute a worker entry with hooks; `workerExtra` reaches it as workerData.extra. */
  workerUrl?: URL;
  workerExtra?: unknown;
}

interface PendingJob {
  job: VerifyJob;
  resolve(verdict: Verdict): void;
  reject(error: VerificationUnavailableError): void;
  timer: NodeJS.Timeout;
  slot?: Slot;
  /** Answered or failed: a late answer or failure is ignored. */
  settled?: boolean;
}

interface Slot {
  thread: WorkerThread<VerifyBatch, JobOutcome[], TrustUpdate>;
  ready: boolean;
  /** Being terminated (stuck in a job past its deadline): gets no more jobs. */
  stopping?: boolean;
  /** The jobs the worker holds, in the order it runs them. */
  batch?: PendingJob[];
}

type Verdict = LoginVerdict | SignatureVerdict;

const VERIFY_WORKER: WorkerEntry = {
  module: new URL("./verify-worker.ts", import.meta.url),
  run: "runVerifyWorker",
};
const DEFAULT_JOB_TIMEOUT_MS = 30_000;
/** The most jobs one message hands a worker: bounds how long the last of them waits behind the others. */
const MAX_BATCH = 16;
const MAX_RESTART_DELAY_MS = 30_000;

export class VerifyPool implements LoginChecker {
  private readonly slots = new Set<Slot>();
  private readonly queue: PendingJob[] = [];
  private closed = false;
  /** Until start() succeeds a dead worker fails the start instead of being replaced. */
  private started = false;
  /** Restart delay after a worker died before it was ready (a broken build must not spin). */
  private restartDelayMs = 0;

  private constructor(private readonly options: VerifyPoolOptions) {}

  /** Starts every worker and waits until each has loaded its trust store; fails if any cannot start. */
  static async start(options: VerifyPoolOptions): Promise<VerifyPool> {
    const pool = new VerifyPool(options);
    const starts = Array.from({ length: options.size }, () => pool.spawn());
    const results = await Promise.allSettled(starts);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failure) {
      await pool.close();
      throw failure.reason;
    }
    pool.started = true;
    return pool;
  }

  get size(): number {
    return this.options.size;
  }

  /** Jobs waiting for a worker (not those being worked on). */
  get queueDepth(): number {
    return this.queue.length;
  }

  checkLogin(input: LoginCheckInput): Promise<LoginVerdict> {
    return this.submit({ kind: "login", input }) as Promise<LoginVerdict>;
  }

  checkSignature(input: SignatureCheckInput): Promise<SignatureVerdict> {
    return this.submit({ kind: "signature", input }) as Promise<SignatureVerdict>;
  }

  /**
   * Gives every worker, and every worker started later, this trust material (reloaded CRLs). A worker takes it
   * before its next job: jobs handed out after this call are checked against it.
   */
  updateTrust(trust: TrustMaterial): void {
    this.options.setup = { ...this.options.setup, trust };
    const update: TrustUpdate = { kind: "trust", trust };
    for (const slot of this.slots) slot.thread.notify(update);
  }

  /** Refuses what is queued, stops the workers (failing their jobs) and waits for them to exit. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) this.fail(pending, "closed", "verification pool closed");
    const threads = [...this.slots].map((slot) => slot.thread);
    for (const slot of this.slots)
      for (const pending of slot.batch ?? []) this.fail(pending, "closed", "verification pool closed");
    this.slots.clear();
    await Promise.all(threads.map((thread) => thread.terminate()));
  }

  private submit(job: VerifyJob): Promise<LoginVerdict | SignatureVerdict> {
    if (this.closed)
      return Promise.reject(new VerificationUnavailableError("closed", "verification pool closed"));
    if (this.queue.length >= this.options.queueLimit) {
      this.options.onQueueFull?.();
      return Promise.reject(
        new VerificationUnavailableError(
          "queue-full",
          `verification queue full (${this.options.queueLimit} waiting)`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const timeoutMs = this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
      const timer = setTimeout(() => this.timeOut(pending), timeoutMs);
      timer.unref();
      const pending: PendingJob = { job, resolve, reject, timer };
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Hands queued jobs to idle workers, each its share of the queue in one batch. */
  private dispatch(): void {
    if (this.queue.length === 0) return;
    const idle = [...this.slots].filter((slot) => slot.ready && !slot.stopping && !slot.batch);
    idle.forEach((slot, index) => {
      if (this.queue.length === 0) return;
      const share = Math.min(MAX_BATCH, Math.ceil(this.queue.length / (idle.length - index)));
      const batch = this.queue.splice(0, share);
      slot.batch = batch;
      for (const pending of batch) pending.slot = slot;
      slot.thread.request({ jobs: batch.map((pending) => pending.job) }).then(
        (outcomes) => this.settle(slot, batch, { outcomes }),
        (error: Error) => this.settle(slot, batch, { error }),
      );
    });
  }

  private spawn(): Promise<void> {
    const thread = new WorkerThread<VerifyBatch, JobOutcome[], TrustUpdate>({
      name: "verification worker",
      entry: this.options.workerUrl ?? VERIFY_WORKER,
      workerData: { setup: this.options.setup, extra: this.options.workerExtra },
    });
    const slot: Slot = { thread, ready: false };
    this.slots.add(slot);
    thread.onExit((why) => this.replace(slot, why));
    return thread.ready.then(() => {
      slot.ready = true;
      this.restartDelayMs = 0;
      this.dispatch();
    });
  }

  private settle(
    slot: Slot,
    batch: PendingJob[],
    answer: { outcomes: JobOutcome[] } | { error: Error },
  ): void {
    // A batch whose worker died (or was stopped past a deadline) is failed by replace().
    if (slot.batch !== batch || ("error" in answer && answer.error instanceof WorkerExitError)) return;
    slot.batch = undefined;
    batch.forEach((pending, index) => {
      if (pending.settled) return; // timed out while the batch ran
      const outcome = "outcomes" in answer ? answer.outcomes[index] : undefined;
      if (outcome && "verdict" in outcome) {
        this.options.onVerified?.(
          outcome.seconds,
          outcome.verdict.ok ? outcome.verdict.algorithm : undefined,
        );
        this.finish(pending)?.resolve(outcome.verdict);
      } else {
        const why = outcome?.error.message ?? ("error" in answer ? answer.error.message : "no verdict");
        this.fail(pending, "worker-failed", why);
      }
    });
    this.dispatch();
  }

  /**
   * A worker exited: start another unless the pool is closing. The jobs it held fail — unless it was stopped
   * because one of them passed its deadline: that one has failed already, and the others of its batch, which
   * did nothing wrong, go back to the front of the queue for the replacement (the checks are pure; each keeps
   * its own deadline).
   */
  private replace(slot: Slot, why: Error): void {
    if (!this.slots.delete(slot)) return; // closed, or already replaced after a timeout
    const held = (slot.batch ?? []).filter((pending) => !pending.settled);
    if (slot.stopping && !this.closed) {
      for (const pending of held) pending.slot = undefined;
      this.queue.unshift(...held);
    } else {
      for (const pending of held)
        this.fail(pending, "worker-failed", `verification worker died: ${why.message}`);
    }
    if (this.closed || !this.started) return;
    this.options.onWorkerFailure?.(why);
    const delay = slot.ready ? 0 : this.restartDelayMs;
    if (!slot.ready)
      this.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, Math.max(100, this.restartDelayMs * 2));
    const restart = () => {
      if (!this.closed) this.spawn().catch(() => undefined); // its exit handler schedules the next attempt
    };
    if (delay === 0) restart();
    else setTimeout(restart, delay).unref();
  }

  private timeOut(pending: PendingJob): void {
    const queued = this.queue.indexOf(pending);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = pending.slot;
    this.fail(pending, "timeout", "verification timed out");
    if (slot?.batch?.includes(pending) && !slot.stopping) {
      // The worker is stuck in this batch: stop it; its exit puts the rest of the batch back in the queue
      // (replace) and starts a replacement.
      slot.stopping = true;
      void slot.thread.terminate();
    }
  }

  private fail(pending: PendingJob, reason: UnavailableReason, message: string): void {
    this.finish(pending)?.reject(new VerificationUnavailableError(reason, message));
  }

  /** The job, once: its deadline cleared; undefined if it was answered or failed already. */
  private finish(pending: PendingJob): PendingJob | undefined {
    if (pending.settled) return undefined;
    pending.settled = true;
    clearTimeout(pending.timer);
    return pending;
  }
}
