import type { ChildProcess } from "node:child_process";
import { after, before } from "node:test";
import { Redis } from "ioredis";
import { freePort, kill, startRedis } from "./processes.ts";

export interface PrivateRedis {
  /** A connected client as the server makes them (no offline queue, one retry). */
  client(): Promise<Redis>;
  /** A key prefix no other test of the file uses. */
  prefix(): string;
  /** Kills the server (outage tests); later tests of the file have no Redis. */
  stop(): Promise<void>;
}

/** A `redis-server` of the calling test file's own, started before its tests and stopped after them. */
export function privateRedis(): PrivateRedis {
  let server: ChildProcess | undefined;
  let port = 0;
  let keyPrefix = 0;
  const clients: Redis[] = [];
  before(async () => {
    port = await freePort();
    server = await startRedis(port);
  });
  after(async () => {
    for (const connection of clients) connection.disconnect();
    await kill(server);
  });
  return {
    async client() {
      const connection = new Redis(`redis://127.0.0.1:${port}`, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      connection.on("error", () => {});
      clients.push(connection);
      await new Promise((resolve) => connection.once("ready", resolve));
      return connection;
    },
    prefix: () => `test:${process.pid}:${++keyPrefix}:`,
    stop: () => kill(server),
  };
}
