import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { test } from "node:test";
import { Readiness } from "../../src/server/readiness.ts";
import { openStorage } from "../../src/server/storage/database.ts";
import { chatServerEnv, chatUser } from "../support/chats.ts";
import { scrape } from "../support/metrics.ts";
import { startTestServer } from "../support/server.ts";
import { connectV4, nextEvent } from "../support/sockets.ts";
import { type Backend, backends, testDatabaseUrl } from "../support/storage.ts";
import { TcpProxy } from "../support/tcp-proxy.ts";

async function probe(url: string, path: "/readyz" | "/healthz"): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json() };
}

const sqlite = backends.find((backend) => backend.name === "sqlite") as Backend;
const postgres = backends.find((backend) => backend.name === "postgres") as Backend;

test("readiness is off while starting, on once started, and off for good once draining", async () => {
  const storage = await sqlite.create();
  try {
    const readiness = new Readiness(() => storage.storage.ping());
    assert.deepEqual(await readiness.report(), { phase: "starting", database: true, ready: false });
    readiness.started();
    assert.deepEqual(await readiness.report(), { phase: "ready", database: true, ready: true });
    readiness.draining();
    readiness.started();
    assert.deepEqual(await readiness.report(), { phase: "draining", database: true, ready: false });
  } finally {
    await storage.dispose();
  }
});

test("a database that accepts the connection but never answers counts as down", async () => {
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const { port } = silent.address() as AddressInfo;
  const storage = openStorage({ kind: "postgres", url: `postgres://nobody@127.0.0.1:${port}/nothing` });
  try {
    assert.equal(await new Readiness(() => storage.ping()).databaseUp(), false);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await storage.close();
  }
});

test("a PostgreSQL pool with every connection busy and a queue behind it still counts as reachable", {
  skip: postgres.skip,
}, async () => {
  const created = await postgres.create();
  const { storage } = created;
  const pool = storage.pool;
  if (!pool) throw new Error("expected a PostgreSQL pool");
  // Every connection of the request pool held by a slow statement, and more queued behind them: a node in a
  // reconnect storm. The probe must not wait behind them (it would time out and the node be taken out).
  const busy = Array.from({ length: pool.options.max * 2 }, () => pool.query("select pg_sleep(2)"));
  try {
    assert.ok(pool.waitingCount > 0, "statements are queued for the request pool");
    assert.equal(await new Readiness(() => storage.ping()).databaseUp(), true);
    assert.ok(pool.waitingCount > 0, "the request pool still had a queue when the probe answered");
  } finally {
    await Promise.all(busy);
    await created.dispose();
  }
});

// Outside review (review12): the probe pool has one connection; one whose answers were lost (a database host
// that failed over, a dropped NAT entry) held it for good, and every later probe queued behind it.
test("a probe connection whose answer was lost does not hold readiness down once PostgreSQL answers", {
  skip: postgres.skip,
}, async () => {
  const created = await postgres.create();
  if (created.target.kind !== "postgres") throw new Error("expected PostgreSQL");
  const proxy = new TcpProxy(new URL(testDatabaseUrl));
  const url = Object.assign(new URL(created.target.url), {
    hostname: "127.0.0.1",
    port: new URL(await proxy.start()).port,
  });
  const storage = openStorage({ ...created.target, url: url.toString() });
  try {
    const readiness = new Readiness(() => storage.ping());
    assert.equal(await readiness.databaseUp(), true);
    proxy.muteOpen();
    assert.equal(await readiness.databaseUp(), false, "the probe's connection lost its answer");
    assert.equal(await readiness.databaseUp(), true, "a new connection answers");
  } finally {
    await proxy.stop();
    await storage.close();
    await created.dispose();
  }
});

test("/readyz answers 200 once the server listens", async () => {
  const server = await startTestServer();
  try {
    assert.deepEqual(await probe(server.url, "/readyz"), {
      status: 200,
      body: { success: true, data: { status: "ready" } },
    });
  } finally {
    await server.close();
  }
});

test("on shutdown /readyz answers 503 at once while /healthz and connected sockets stay up for the drain delay", async () => {
  const server = await startTestServer({ env: { ...chatServerEnv, CERTCHAT_DRAIN_DELAY: "5s" } });
  const alice = await chatUser(server, "Алисова Алиса Петровна");
  const socket = await connectV4(server.url, { token: alice.token });
  try {
    const disconnected = nextEvent(socket, "disconnect", 30_000);
    const closing = server.close();
    assert.deepEqual(await probe(server.url, "/readyz"), {
      status: 503,
      body: { success: false, error: "CommonError" },
    });
    assert.equal((await probe(server.url, "/healthz")).status, 200);
    assert.equal(socket.connected, true);
    await closing;
    assert.equal(await disconnected, "transport close");
  } finally {
    socket.close();
  }
});

test("/readyz and the database gauges go down while PostgreSQL is unreachable, and up again", {
  skip: postgres.skip,
}, async () => {
  const proxy = new TcpProxy(new URL(testDatabaseUrl));
  const proxyPort = new URL(await proxy.start()).port;
  // The server's storage goes through the proxy, which the test cuts.
  const throughProxy: Backend = {
    ...postgres,
    async create() {
      const created = await postgres.create();
      if (created.target.kind !== "postgres") throw new Error("expected PostgreSQL");
      const url = Object.assign(new URL(created.target.url), { port: proxyPort, hostname: "127.0.0.1" });
      return { ...created, target: { ...created.target, url: url.toString() } };
    },
  };
  const server = await startTestServer({ backend: throughProxy });
  try {
    assert.equal((await probe(server.url, "/readyz")).status, 200);
    proxy.pause();
    assert.deepEqual(await probe(server.url, "/readyz"), {
      status: 503,
      body: { success: false, error: "DataError" },
    });
    assert.equal((await probe(server.url, "/healthz")).status, 503);
    const down = await scrape(server.server.metricsUrl());
    assert.equal(down.value("certchat_database_up"), 0);
    assert.equal(down.value("certchat_ready"), 0);
    proxy.resume();
    assert.equal((await probe(server.url, "/readyz")).status, 200);
    assert.equal((await scrape(server.server.metricsUrl())).value("certchat_ready"), 1);
  } finally {
    await server.close();
    await proxy.stop();
  }
});
