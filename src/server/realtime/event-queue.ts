/**
 * Runs one socket's events one after another in arrival order (docs/DECISIONS.md §3): a `subscribe` sent right after
 * `session` waits until the session is resolved. A failing job is reported and does not stop the ones after it.
 */
export class EventQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly limit: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** False when the socket already has `limit` events waiting (a flooding client): the job is not queued. */
  push(job: () => Promise<void>): boolean {
    if (this.pending >= this.limit) return false;
    this.pending += 1;
    this.tail = this.tail
      .then(job)
      .catch(this.onError)
      .finally(() => {
        this.pending -= 1;
      });
    return true;
  }

  /** Resolves once every job queued so far has finished. */
  idle(): Promise<void> {
    return this.tail;
  }
}
