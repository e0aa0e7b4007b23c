/** Bytes charged to one holder against a bound; `charge` says whether they fit (nothing is charged if not). */
export interface ByteAccount {
  charge(bytes: number): boolean;
  refund(bytes: number): void;
}

/**
 * One byte bound shared by everything of one key on this node — every socket of a profile (outside review
 * attack12): the queue bounds were per socket, so a profile held as many times the bound as it opened sockets.
 * A key holding nothing is forgotten.
 */
export class SharedByteBounds {
  private readonly held = new Map<number, number>();

  constructor(private readonly limit: number) {}

  /** The account of `key`: what it charges counts against the bound together with every other charge of `key`. */
  account(key: number): ByteAccount {
    return {
      charge: (bytes) => {
        const now = this.held.get(key) ?? 0;
        if (now + bytes > this.limit) return false;
        if (bytes > 0) this.held.set(key, now + bytes);
        return true;
      },
      refund: (bytes) => {
        const left = (this.held.get(key) ?? 0) - bytes;
        if (left > 0) this.held.set(key, left);
        else this.held.delete(key);
      },
    };
  }

  /** Bytes `key` holds now. */
  heldBy(key: number): number {
    return this.held.get(key) ?? 0;
  }

  /** Keys holding bytes now. */
  get holders(): number {
    return this.held.size;
  }
}
