import { Worker } from "node:worker_threads";
import type { TrustMaterial } from "../../pki/trust.ts";
import type {
  LoginChecker,
  LoginCheckInput,
  LoginVerdict,
  SignatureCheckInput,
  SignatureVerdict,
} from "./login-check.ts";
import type { TrustUpdate, VerifyJob, WorkerMessage, WorkerSetup } from "./verify-protocol.ts";

/**
 * A pool of worker threads for the CPU-heavy login checks (DESIGN §5, §7), so that a burst of logins,
 * honest or not, cannot stall the event loop. Jobs wait in a bounded FIFO queue; when it is full a job is
 * refused at once rather than queued behind minutes of work. A job never hangs: a worker that dies fails
 * its job and is replaced, and every job has a deadline.
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
  id: number;
  job: VerifyJob;
  resolve(verdict: LoginVerdict | SignatureVerdict): void;
  reject(error: VerificationUnavailableError): void;
  timer: NodeJS.Timeout;
  slot?: Slot;
  /** performance.now() when a worker took the job. */
  startedAt?: number;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Being terminated (stuck in a job past its deadline): gets no more jobs. */
  stopping?: boolean;
  job?: PendingJob;
}

const DEFAULT_JOB_TIMEOUT_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;

export class VerifyPool implements LoginChecker {
  private readonly slots = new Set<Slot>();
  private readonly queue: PendingJob[] = [];
  private nextId = 1;
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
    for (const slot of this.slots) slot.worker.postMessage(update);
  }

  /** Refuses what is queued, stops the workers (failing their jobs) and waits for them to exit. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) this.fail(pending, "closed", "verification pool closed");
    const workers = [...this.slots].map((slot) => slot.worker);
    for (const slot of this.slots) if (slot.job) this.fail(slot.job, "closed", "verification pool closed");
    this.slots.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
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
      const id = this.nextId++;
      const timeoutMs = this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
      const timer = setTimeout(() => this.timeOut(pending), timeoutMs);
      timer.unref();
      const pending: PendingJob = { id, job, resolve, reject, timer };
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Hands queued jobs to idle workers, one job per worker. */
  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (!slot.ready || slot.stopping || slot.job) continue;
      const pending = this.queue.shift() as PendingJob;
      slot.job = pending;
      pending.slot = slot;
      pending.startedAt = performance.now();
      slot.worker.postMessage({ ...pending.job, id: pending.id });
    }
  }

  private spawn(): Promise<void> {
    const worker = new Worker(this.options.workerUrl ?? new URL("./verify-worker.mjs", import.meta.url), {
      workerData: { setup: this.options.setup, extra: this.options.workerExtra },
    });
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    return new Promise((resolve, reject) => {
      let lastError: Error | undefined;
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "ready") {
          slot.ready = true;
          this.restartDelayMs = 0;
          resolve();
          this.dispatch();
        } else {
          this.settle(slot, message);
        }
      });
      worker.on("error", (error) => {
        lastError = error;
      });
      worker.on("exit", (code) => {
        const why = lastError ?? new Error(`verification worker exited with code ${code}`);
        if (!slot.ready) reject(why);
        this.replace(slot, why);
      });
    });
  }

  private settle(slot: Slot, message: Exclude<WorkerMessage, { type: "ready" }>): void {
    const pending = slot.job;
    if (!pending || pending.id !== message.id) return; // answer to a job that already timed out
    slot.job = undefined;
    clearTimeout(pending.timer);
    if (message.type === "done") {
      const seconds = (performance.now() - (pending.startedAt ?? 0)) / 1000;
      this.options.onVerified?.(seconds, message.verdict.ok ? message.verdict.algorithm : undefined);
      pending.resolve(message.verdict);
    } else pending.reject(new VerificationUnavailableError("worker-failed", message.message));
    this.dispatch();
  }

  /** A worker exited: fail its job, and start another unless the pool is closing. */
  private replace(slot: Slot, why: Error): void {
    if (!this.slots.delete(slot)) return; // closed, or already replaced after a timeout
    if (slot.job) this.fail(slot.job, "worker-failed", `verification worker died: ${why.message}`);
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
    if (slot && slot.job === pending) {
      // The worker is stuck in this job: stop it; its exit handler starts a replacement.
      slot.job = undefined;
      slot.stopping = true;
      void slot.worker.terminate();
    }
  }

  private fail(pending: PendingJob, reason: UnavailableReason, message: string): void {
    clearTimeout(pending.timer);
    pending.reject(new VerificationUnavailableError(reason, message));
  }
}
