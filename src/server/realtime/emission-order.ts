/**
 * The order in which this node's live events leave it. Messages are emitted once the work of the moment they
 * were published in is done (SocketMessagePublisher emits a commit batch's messages together); a chat event
 * published meanwhile — a
 * member's removal, a key rotation's `chatChanged` — must not overtake them: a message committed before a
 * member's removal still reaches that member, and a message committed before a rotation arrives before its
 * `chatChanged`. So a chat event goes at once when no message waits, and right after the waiting ones otherwise.
 */
export class EmissionOrder {
  private pending: (() => void)[] = [];

  /** `onError`: an emit that threw (live delivery is best effort; the next ones still go). */
  constructor(private readonly onError: (error: unknown) => void) {}

  /**
   * After everything queued before it, once the promise continuations of this moment have run — a commit
   * batch resolves all its sends at once, their acks and announcements are such continuations — and before the
   * event loop takes up any other I/O: in the same turn, not the next (the check phase would first let the
   * rest of the poll phase run: other sockets' events, other write callbacks).
   */
  later(emit: () => void): void {
    if (this.pending.push(emit) === 1) queueMicrotask(() => process.nextTick(() => this.flush()));
  }

  /** Now, unless something queued must go first: then right after it. */
  inOrder(emit: () => void): void {
    if (this.pending.length === 0) this.run(emit);
    else this.pending.push(emit);
  }

  private flush(): void {
    const emits = this.pending;
    this.pending = [];
    for (const emit of emits) this.run(emit);
  }

  private run(emit: () => void): void {
    try {
      emit();
    } catch (error) {
      this.onError(error);
    }
  }
}
