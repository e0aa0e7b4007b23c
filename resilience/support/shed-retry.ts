import { setTimeout as delay } from "node:timers/promises";

/** How often, and how far apart, a connection a busy server shed (HTTP 503, CERTCHAT_SOCKET_SHED_AFTER) is made again. */
const SHED_RETRIES = 20;
const SHED_RETRY_MS = 250;

/**
 * Runs `attempt` again while its outcome is a busy server's refusal of a new connection, as the deployed clients
 * reconnect: such a 503 refuses nothing the fuzzer sent. The last outcome is returned, shed or not.
 */
export async function retryWhileShed<T>(
  attempt: () => Promise<T>,
  shed: (outcome: T) => boolean,
): Promise<T> {
  for (let tries = 0; ; tries++) {
    const outcome = await attempt();
    if (!shed(outcome) || tries >= SHED_RETRIES) return outcome;
    await delay(SHED_RETRY_MS);
  }
}
