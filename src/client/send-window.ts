/** How many sends, and how many of their bytes (src/protocol/event-size.ts), may await their acks at once. */
export interface SendWindowLimits {
  sends: number;
  bytes: number;
}

interface Waiting {
  bytes: number;
  alone: boolean;
  admit(): void;
}

/**
 * Admits a socket's sends in call order while they stay within the window (docs/SDK.md "Sending"); the others
 * wait here, not in the server's queue. One send always fits while nothing else is in flight, however big. A
 * send that goes `alone` waits until nothing is in flight, goes ahead of those waiting (after earlier alone
 * ones), and nothing else goes until it has left.
 */
export class SendWindow {
  private sends = 0;
  private bytes = 0;
  private exclusive = false;
  private readonly waiting: Waiting[] = [];

  constructor(private readonly limits: SendWindowLimits) {}

  /** Sends admitted and not yet left. */
  get inFlight(): number {
    return this.sends;
  }

  /** Resolves once the send may go; the function it resolves to ends its turn (once, however often called). */
  enter(bytes: number, options: { alone?: boolean } = {}): Promise<() => void> {
    const alone = options.alone ?? false;
    return new Promise((resolve) => {
      const entry: Waiting = { bytes, alone, admit: () => resolve(this.exit(bytes, alone)) };
      // Alone ones keep their own order, ahead of the others.
      const at = alone ? this.waiting.findIndex((waiting) => !waiting.alone) : -1;
      if (at === -1) this.waiting.push(entry);
      else this.waiting.splice(at, 0, entry);
      this.admitWaiting();
    });
  }

  private fits({ bytes, alone }: Waiting): boolean {
    if (this.exclusive) return false;
    if (this.sends === 0) return true;
    return !alone && this.sends < this.limits.sends && this.bytes + bytes <= this.limits.bytes;
  }

  private admitWaiting(): void {
    for (let next = this.waiting[0]; next && this.fits(next); next = this.waiting[0]) {
      this.waiting.shift();
      this.sends += 1;
      this.bytes += next.bytes;
      this.exclusive = next.alone;
      next.admit();
    }
  }

  private exit(bytes: number, alone: boolean): () => void {
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.sends -= 1;
      this.bytes -= bytes;
      if (alone) this.exclusive = false;
      this.admitWaiting();
    };
  }
}
