/**
 * The reconnection delay of socket.io-client 4 (its Manager's defaults, which the SDK's CertchatSocket keeps):
 * 1 s doubled after every failed attempt up to 5 s, each delay moved by up to ±50% at random (the `backo2`
 * formula the client uses), so sockets that lost the same server do not all come back in the same instant.
 */
const MIN_MS = 1000;
const MAX_MS = 5000;
const JITTER = 0.5;

/** The delay before reconnection attempt `attempt` (0: the first after the loss), in ms. */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ms = MIN_MS * 2 ** Math.min(attempt, 10);
  const rand = random();
  const deviation = Math.floor(rand * JITTER * ms);
  const jittered = (Math.floor(rand * 10) & 1) === 0 ? ms - deviation : ms + deviation;
  return Math.min(jittered, MAX_MS);
}

export const BACKOFF_DESCRIPTION = "socket.io-client's defaults: 1 s × 2^attempt, ±50% jitter, at most 5 s";
