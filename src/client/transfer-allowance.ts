/**
 * How long a request may take on a slow link. An ack timeout alone (a few seconds) cannot carry a large
 * transfer: a 32 MiB send, or an answer holding history pages (up to the server's CERTCHAT_MAX_PAGE_BYTES,
 * 8 MiB by default), takes a minute at about 1 Mbit/s. Timing such a request out re-sends it behind the copy
 * still on the wire, again and again, and a catch-up gives up without ever completing. So the wait grows by the
 * bytes moved at the slowest rate the client is meant to work on.
 */

/** The slowest link waited for by default: 128 KiB/s, about 1 Mbit/s. */
export const DEFAULT_MIN_TRANSFER_BYTES_PER_SECOND = 128 * 1024;

/** The most bytes one answer with history pages carries at the server's default page budget. */
export const PAGE_ANSWER_BYTES = 8 * 1024 * 1024;

/** The ack timeout plus the time `bytes` take at `bytesPerSecond`. */
export function transferTimeoutMs(ackTimeoutMs: number, bytes: number, bytesPerSecond: number): number {
  return ackTimeoutMs + Math.ceil((bytes * 1000) / bytesPerSecond);
}
