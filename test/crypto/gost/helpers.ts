/** Small helpers shared by the GOST tests. */
import { createHash } from "node:crypto";

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
export const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
export const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));
export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * The multi-gigabyte zero-input vectors take minutes in pure JS; they run only when
 * CERTCHAT_GOST_LONG_TESTS=1 (openssl took 35–80 s each for them, see crosscheck_long.json).
 */
export const LONG_TESTS_ENABLED = process.env.CERTCHAT_GOST_LONG_TESTS === "1";
export const LONG_INPUT_THRESHOLD = 64 * 1024 * 1024;

/** Feeds `length` zero bytes through `consume` in 1 MiB pieces (the long vectors hash/encrypt zeros). */
export function feedZeros(length: number, consume: (chunk: Uint8Array) => void): void {
  const chunk = new Uint8Array(1 << 20);
  for (let left = length; left > 0; left -= chunk.length) {
    consume(left >= chunk.length ? chunk : chunk.subarray(0, left));
  }
}

/** Keeps the last `count` bytes of a stream of output chunks. */
export class TailKeeper {
  private tail = new Uint8Array(0);
  constructor(private readonly count: number) {}
  push(chunk: Uint8Array): void {
    const joined = new Uint8Array(this.tail.length + chunk.length);
    joined.set(this.tail);
    joined.set(chunk, this.tail.length);
    this.tail = joined.slice(Math.max(0, joined.length - this.count));
  }
  get bytes(): Uint8Array {
    return this.tail;
  }
}
