import { createAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { Logger } from "pino";

/** The Redis side of several nodes: the adapter for broadcasts, and a command client (rate limits). */
export interface RedisLink {
  adapter: ReturnType<typeof createAdapter>;
  /** Non-subscriber client; commands fail fast while Redis is down (no offline queue). */
  commands: Redis;
  description: string;
  close(): void;
}

function redactUrl(text: string): string {
  const url = new URL(text);
  if (url.password) url.password = "***";
  return url.toString();
}

/**
 * Logs a Redis outage once when it starts and once when it ends, whatever the number of reconnect attempts
 * and of messages published meanwhile.
 */
function watchOutages(clients: Redis[], logger: Logger, where: string): void {
  let down = false;
  for (const client of clients) {
    client.on("error", (error: Error) => {
      if (down) return;
      down = true;
      logger.warn(
        { err: error, redis: where },
        "redis unreachable: messages are still stored, live delivery to other nodes paused until it returns",
      );
    });
    client.on("ready", () => {
      if (!down) return;
      down = false;
      logger.info({ redis: where }, "redis reachable again: live delivery between nodes resumed");
    });
  }
}

/**
 * The adapter publishes without awaiting and without handling the result; with no offline queue a publish
 * during an outage is refused at once, and that refusal must not surface as an unhandled rejection.
 */
function publishWithoutWaiting(client: Redis): void {
  const publish = client.publish.bind(client) as (
    channel: string | Buffer,
    message: string | Buffer,
  ) => Promise<number>;
  Object.assign(client, {
    publish: (channel: string | Buffer, message: string | Buffer) => publish(channel, message).catch(() => 0),
  });
}

/**
 * Connects the two ioredis clients the adapter needs. The publisher has no offline queue, so a send never
 * waits for Redis and nothing piles up during an outage (missed live events are caught up through history,
 * docs/DECISIONS.md §3). The subscriber keeps its queue (it holds only the adapter's few SUBSCRIBE commands) and
 * resubscribes by itself after a reconnect. Neither blocks start-up: Redis may come up later.
 */
export function connectRedis(url: string, logger: Logger): RedisLink {
  const description = redactUrl(url);
  const commands = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
  });
  const subscriber = new Redis(url, { maxRetriesPerRequest: null });
  watchOutages([commands, subscriber], logger, description);
  publishWithoutWaiting(commands);
  return {
    adapter: createAdapter(commands, subscriber),
    commands,
    description,
    close() {
      subscriber.disconnect();
      commands.disconnect();
    },
  };
}
