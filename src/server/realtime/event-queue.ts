import type { ByteAccount } from "./shared-byte-bounds.ts";

/**
 * One socket event in the queue (docs/DECISIONS.md §3, §13). Most events run alone, after every earlier event
 * of the socket has finished and before any later one starts (a `subscribe` sent right after `session` sees the
 * resolved session). An event that may overlap (a `sendMessage` acting for the socket's session) starts while
 * earlier overlapping ones are still running, but begins its ordered part and gives its answer in arrival order.
 */
export interface QueuedEvent {
  /** Asked once every earlier event that runs alone has finished: may this one start before the rest finish? */
  overlaps(): boolean;
  /** The work that may overlap earlier events (validation, authorization); resolves to the ordered part. */
  start(): Promise<OrderedPart>;
}

export interface OrderedPart {
  /**
   * Called in arrival order, after the previous event's begin returned: what it does before its first await
   * (a message's place in the next group commit) happens in that order. Resolves to the answer, which is given
   * in arrival order too.
   */
  begin(): Promise<() => void>;
  /** Called instead of begin when the queue closed (the socket left) before this event's turn. */
  drop(): Promise<void>;
}

export interface EventQueueLimits {
  /** Events a socket may have in the queue, running or waiting; push refuses more. */
  waiting: number;
  /**
   * Bytes those events may hold together (as the caller measures them): push refuses an event that would pass
   * it. At least the largest event, so that one always fits in an empty queue.
   */
  bytes: number;
  /** Overlapping events running at once; the others wait their turn (a sender far ahead gets slower acks). */
  overlapping: number;
}

/** The bound that refused an event: the queue's count of events, or its bytes. */
export type QueueBound = "events" | "bytes";

/** A promise and its resolver. */
function signal(): { done: Promise<void>; fire: () => void } {
  let fire = () => {};
  const done = new Promise<void>((resolve) => {
    fire = resolve;
  });
  return { done, fire };
}

/**
 * Runs one socket's events as QueuedEvent describes. A failing event is reported and does not stop the ones
 * after it. Once closed (the socket disconnected), events that have not begun their ordered part are dropped:
 * a sender whose library saw the send fail with the disconnect finds no such message stored.
 */
export class EventQueue {
  /** Every event pushed so far has finished. */
  private tail: Promise<void> = Promise.resolve();
  /** The last event pushed has either started overlapping or finished: the next may decide. */
  private released: Promise<void> = Promise.resolve();
  /** The last event pushed has begun its ordered part (or will never). */
  private begun: Promise<void> = Promise.resolve();
  /** The last event pushed has given its answer (or will never). */
  private answered: Promise<void> = Promise.resolve();
  private pending = 0;
  /** Bytes of the events pushed and not yet finished (answered or dropped). */
  private held = 0;
  private running = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly limits: EventQueueLimits,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * Queues an event of `bytes`, held until it has finished; or, when the socket already has `limits.waiting`
   * events queued or they would hold more than `limits.bytes` with it — or `shared` (the bound of every socket of
   * the same profile) refuses its bytes — names that bound and does not queue it.
   */
  push(event: QueuedEvent, bytes: number, shared?: ByteAccount): "queued" | QueueBound {
    if (this.pending >= this.limits.waiting) return "events";
    if (this.held + bytes > this.limits.bytes) return "bytes";
    if (shared && !shared.charge(bytes)) return "bytes";
    this.pending += 1;
    this.held += bytes;
    const gate = this.released;
    const before = { finished: this.tail, begun: this.begun, answered: this.answered };
    const released = signal();
    const begun = signal();
    const answered = signal();
    this.released = released.done;
    this.begun = begun.done;
    this.answered = answered.done;
    const finished = this.run(event, gate, before, { released, begun, answered }).finally(() => {
      released.fire();
      begun.fire();
      answered.fire();
      this.pending -= 1;
      this.held -= bytes;
      shared?.refund(bytes);
    });
    this.tail = Promise.all([before.finished, finished]).then(() => {});
    return "queued";
  }

  /** Resolves once every event queued so far has finished (or been dropped). */
  idle(): Promise<void> {
    return this.tail;
  }

  /** The socket left: events that have not begun their ordered part are dropped. */
  close(): void {
    this.closed = true;
  }

  private async run(
    event: QueuedEvent,
    gate: Promise<void>,
    before: { finished: Promise<void>; begun: Promise<void>; answered: Promise<void> },
    own: Record<"released" | "begun" | "answered", { fire: () => void }>,
  ): Promise<void> {
    await gate;
    if (this.closed) return;
    const overlaps = event.overlaps();
    if (overlaps) await this.takeSlot();
    else await before.finished;
    if (overlaps) own.released.fire();
    try {
      if (this.closed) return;
      let part: OrderedPart;
      try {
        part = await event.start();
      } catch (error) {
        this.onError(error);
        return;
      }
      await before.begun;
      if (this.closed) {
        own.begun.fire();
        await part.drop().catch(this.onError);
        return;
      }
      const answer = part.begin();
      own.begun.fire();
      let reply: () => void;
      try {
        reply = await answer;
      } catch (error) {
        this.onError(error);
        return;
      }
      await before.answered;
      try {
        reply();
      } catch (error) {
        this.onError(error);
      }
    } finally {
      if (overlaps) this.giveSlot();
    }
  }

  private takeSlot(): Promise<void> {
    if (this.running < this.limits.overlapping) {
      this.running += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.slotWaiters.push(resolve));
  }

  private giveSlot(): void {
    const next = this.slotWaiters.shift();
    if (next) next();
    else this.running -= 1;
  }
}
