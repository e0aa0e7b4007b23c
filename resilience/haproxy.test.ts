import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { request } from "node:http";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { ChatUser } from "../test/support/chats.ts";
import { freePort, kill, startRedis } from "../test/support/processes.ts";
import { createDatabase, testDatabaseUrl } from "../test/support/storage.ts";
import { toolSkip } from "../test/support/tools.ts";
import { Cluster, populate } from "./support/cluster.ts";
import { Haproxy } from "./support/haproxy.ts";
import { chatHistory } from "./support/history.ts";
import {
  allAcked,
  type Envelope,
  SendTally,
  waitFor,
  waitForAsync,
  waitWhileProgressing,
} from "./support/load-clients.ts";
import { Prometheus, type RuleState } from "./support/prometheus.ts";
import { ChatClient } from "./support/proxied-clients.ts";
import { redisSkip, sharedPostgresSkip } from "./support/requirements.ts";
import { checkStored } from "./support/stored-messages.ts";

const NODES = 3;
const USERS = 8;
const CHATS = 4;
/** Half Socket.IO 4 clients, half socket.io-client 2 (the deployed Android client's generation). */
const CLIENTS = 24;
const WARMUP_MESSAGES = 240;
/** Sends per second, offered round-robin over every client, during the warm-up and the rolling restart. */
const RATE = 25;
/** Logins per client address per hour on every node: the X-Forwarded-For check exhausts one address's. */
const AUTH_RATE = 20;
/** /readyz answers 503 this long after SIGTERM before the node closes its sockets (HAProxy needs 2 s). */
const DRAIN_DELAY = "3s";

/** A POST from a chosen loopback source address, optionally claiming another client address. */
function postFrom(
  url: string,
  path: string,
  body: unknown,
  localAddress: string,
  forwardedFor?: string,
): Promise<Envelope> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      {
        method: "POST",
        localAddress,
        headers: {
          "content-type": "application/json",
          ...(forwardedFor ? { "x-forwarded-for": forwardedFor } : {}),
        },
      },
      (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => {
          try {
            resolve(JSON.parse(text) as Envelope);
          } catch {
            reject(new Error(`HTTP ${response.statusCode}: ${text}`));
          }
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/**
 * Three `certchat serve` nodes (PostgreSQL + Redis) behind Debian's HAProxy running deploy/haproxy.cfg with
 * loopback addresses, scraped by Debian's Prometheus with deploy/alerts.yml loaded. Clients of both Socket.IO
 * generations connect through HAProxy from distinct loopback addresses (it balances by source address).
 */
describe("resilience: haproxy", {
  skip:
    sharedPostgresSkip || redisSkip() || toolSkip("haproxy", ["-v"]) || toolSkip("prometheus", ["--version"]),
}, () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let redis: ChildProcess | undefined;
  let cluster: Cluster | undefined;
  let proxy: Haproxy | undefined;
  let prometheus: Prometheus | undefined;
  let members: ChatUser[] = [];
  let chats: string[] = [];
  const clients: ChatClient[] = [];
  const tally = new SendTally();
  let nextLocalId = 1;
  let setupSeconds = 0;

  /** Offers sends at RATE, round-robin over the clients, until `going()` is false or `total` were offered. */
  async function offer(going: () => boolean, total = Number.POSITIVE_INFINITY): Promise<void> {
    const started = Date.now();
    let offered = 0;
    while (going() && offered < total) {
      const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * RATE));
      for (; offered < due; offered++) clients[(nextLocalId - 1) % clients.length]?.send(nextLocalId++);
      await delay(20);
    }
  }

  /** Acked ids per chat. */
  const ackedIn = (chat: string) => tally.ackedByChat.get(chat) ?? [];
  const missingAt = (client: ChatClient) => {
    const held = client.held();
    return ackedIn(client.chat).filter((id) => !held.has(id));
  };

  /** Waits, while clients keep receiving, until each holds every acked message of its chat. */
  function deliveriesSettled(): Promise<boolean> {
    return waitWhileProgressing(
      () => clients.every((client) => missingAt(client).length === 0),
      () => clients.reduce((sum, client) => sum + client.held().size, 0),
      15_000,
      120_000,
    );
  }

  before(async () => {
    const started = Date.now();
    database = await createDatabase(testDatabaseUrl, "certchat_haproxy");
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    const ports: number[] = [];
    const metricsPorts: number[] = [];
    for (let i = 0; i < NODES; i++) {
      ports.push(await freePort());
      metricsPorts.push(await freePort());
    }
    cluster = await Cluster.start({
      databaseUrl: database.url,
      nodes: NODES,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      node: (i) => ({
        port: ports[i],
        env: {
          // HAProxy connects from 127.0.0.1; the test's clients from other 127.0.0.x addresses.
          CERTCHAT_TRUST_PROXY: "127.0.0.1",
          CERTCHAT_METRICS_HOST: "127.0.0.1",
          CERTCHAT_METRICS_PORT: String(metricsPorts[i]),
          CERTCHAT_DRAIN_DELAY: DRAIN_DELAY,
          CERTCHAT_CLOSING_QUIET: "300ms",
          CERTCHAT_AUTH_RATE: `${AUTH_RATE}/1h`,
        },
      }),
    });
    proxy = await Haproxy.start(ports.map((port) => `127.0.0.1:${port}`));
    assert.ok(await proxy.allServers("UP"), `HAProxy sees every node ready: ${proxy.log()}`);
    prometheus = await Prometheus.start({
      certchat: metricsPorts.map((port) => `127.0.0.1:${port}`),
      haproxy: [new URL(proxy.statsUrl).host],
    });
    ({ members, chats } = await populate(cluster.api, USERS, CHATS));
    for (let i = 0; i < CLIENTS; i++) {
      const member = members[i % USERS] as ChatUser;
      clients.push(
        new ChatClient({
          url: proxy.url,
          generation: i % 2 === 0 ? "v4" : "legacy",
          member,
          chat: chats[i % CHATS] ?? "",
          sourceAddress: `127.0.0.${20 + i}`,
          tally,
          window: 5,
          ackTimeoutMs: 10_000,
        }),
      );
    }
    await Promise.all(clients.map((client) => client.started()));
    setupSeconds = Math.round((Date.now() - started) / 1000);
  });

  after(async () => {
    for (const client of clients) client.close();
    await prometheus?.stop();
    await proxy?.stop();
    await cluster?.close();
    await kill(redis);
    await database?.drop();
  });

  test("the nodes believe X-Forwarded-For from HAProxy only: the login limit counts each client's own address, whatever address a client claims", async () => {
    const proxyUrl = proxy?.url ?? "";
    const junkLogin = { cert: "AAAA", sign: "AAAA" };
    for (let i = 0; i < AUTH_RATE; i++) {
      const answer = await postFrom(proxyUrl, "/api/auth/", junkLogin, "127.0.0.200", `10.9.9.${i}`);
      assert.notEqual(answer.error, "AuthenticationFailed", `login ${i + 1} of ${AUTH_RATE} is not limited`);
    }
    const overLimit = await postFrom(proxyUrl, "/api/auth/", junkLogin, "127.0.0.200", "10.9.9.250");
    assert.equal(overLimit.error, "AuthenticationFailed", "the address over its limit is refused");
    const otherClient = await postFrom(proxyUrl, "/api/auth/", junkLogin, "127.0.0.201");
    assert.notEqual(otherClient.error, "AuthenticationFailed", "another client address has its own limit");
    const refusals = await prometheus?.until(
      'sum(certchat_rate_limit_refusals_total{limit="auth"})',
      (value) => value >= 1,
    );
    assert.ok(refusals?.ok, `Prometheus saw the refusal (${refusals?.value})`);
  });

  test("v4 and legacy clients chat through HAProxy, every message live to every subscriber; Prometheus sees commits, deliveries and connections spread over the nodes", async () => {
    // Both generations started with polling; the upgrade to websocket went through HAProxy too.
    assert.ok(
      await waitFor(() => clients.every((client) => client.transport() === "websocket"), 30_000),
      `every client upgraded: ${clients.map((client) => client.transport()).join(",")}`,
    );
    await offer(() => true, WARMUP_MESSAGES);
    assert.ok(await allAcked(tally, WARMUP_MESSAGES), `acked ${tally.ackedCount} of ${WARMUP_MESSAGES}`);
    assert.ok(await deliveriesSettled(), "every client holds every message of its chat");
    for (const client of clients) {
      const live = new Set([...client.live, ...client.own]);
      const notLive = ackedIn(client.chat).filter((id) => !live.has(id));
      assert.deepEqual(notLive, [], `${client.generation} client got every message live`);
    }
    const metrics = prometheus as Prometheus;
    const checks: [string, (value: number) => boolean][] = [
      ['sum(up{job="certchat"})', (v) => v === NODES],
      ["sum(certchat_ready)", (v) => v === NODES],
      ["sum(certchat_messages_committed_total)", (v) => v >= WARMUP_MESSAGES],
      ["sum(certchat_message_deliveries_total)", (v) => v >= WARMUP_MESSAGES],
      ['sum(certchat_socket_connections{eio="4"})', (v) => v === CLIENTS / 2],
      ['sum(certchat_socket_connections{eio="3"})', (v) => v === CLIENTS / 2],
      ["sum(certchat_socket_subscriptions)", (v) => v === CLIENTS],
      // Balancing by source address spread the clients: more than one node holds sockets.
      ["count(sum by (instance) (certchat_socket_connections) > 0)", (v) => v >= 2],
      // HAProxy's own exporter, scraped alongside.
      ['sum(haproxy_backend_active_servers{proxy="certchat_nodes"})', (v) => v === NODES],
    ];
    for (const [expr, holds] of checks) {
      const { ok, value } = await metrics.until(expr, holds);
      assert.ok(ok, `${expr} = ${value}`);
    }
    // Every rule of deploy/alerts.yml evaluates against the real series without an error.
    let rules: RuleState[] = [];
    const healthy = await waitForAsync(async () => {
      rules = await metrics.rules();
      return rules.length > 0 && rules.every((rule) => rule.health === "ok");
    }, 30_000);
    assert.ok(healthy, `deploy/alerts.yml evaluates: ${JSON.stringify(rules)}`);
  });

  test("rolling restart of every node (SIGTERM, wait until HAProxy sees it ready, next) while messages flow: every acked message stored and delivered live or by catch-up, no client error beyond reconnects", async () => {
    const started = Date.now();
    const nodes = cluster as Cluster;
    const lb = proxy as Haproxy;
    let restarting = true;
    // Whether HAProxy took each node out of the rotation while it drained and restarted.
    const seenDown = new Set<string>();
    const watching = (async () => {
      while (restarting) {
        for (const [name, state] of await lb.states().catch(() => new Map<string, string>())) {
          if (state.startsWith("DOWN")) seenDown.add(name);
        }
        await delay(100);
      }
    })();
    const offering = offer(() => restarting);
    const exitCodes: (number | null)[] = [];
    const restartSeconds: number[] = [];
    for (let i = 0; i < NODES; i++) {
      await delay(1_000);
      const restartedAt = Date.now();
      exitCodes.push(await nodes.restart(i));
      assert.ok(await lb.server(`node${i + 1}`, "UP"), `node${i + 1} back in the rotation: ${lb.log()}`);
      restartSeconds.push(Math.round((Date.now() - restartedAt) / 100) / 10);
    }
    await delay(1_000);
    restarting = false;
    await offering;
    await watching;

    assert.ok(await allAcked(tally, tally.sent), `acked ${tally.ackedCount} of ${tally.sent}`);
    await deliveriesSettled();
    const stored = await checkStored(database?.url ?? "", tally.acked);
    let historyLost = 0;
    for (const chat of chats) {
      const history = new Set(
        (await chatHistory(lb.url, members[0]?.token ?? "", chat)).map((message) => message.id),
      );
      historyLost += ackedIn(chat).filter((id) => !history.has(id)).length;
    }
    const undelivered = clients.reduce((sum, client) => sum + missingAt(client).length, 0);
    const problems = clients.flatMap((client) => client.problems);
    const lost = stored.missing + historyLost + undelivered;
    const sum = (count: (client: ChatClient) => number) => clients.reduce((s, c) => s + count(c), 0);
    const committed = await prometheus?.scalar("sum(certchat_messages_committed_total)");
    console.log(
      `resilience haproxy: nodes=${NODES} clients=${CLIENTS} (v4=${CLIENTS / 2} legacy=${CLIENTS / 2}) ` +
        `sent=${tally.sent} acked=${tally.ackedCount} retries=${tally.attempts - tally.sent} stored=${stored.stored} ` +
        `delivered_live=${sum((c) => c.live.length)} caught_up=${sum((c) => c.recovered())} ` +
        `reconnects=${sum((c) => c.reconnects)} connect_errors=${sum((c) => c.connectErrors)} ` +
        `client_errors=${problems.length + tally.unclean.length} duplicates=${stored.duplicates + tally.conflicts} ` +
        `lost=${lost} max_reconnect_ms=${Math.max(...clients.map((c) => c.maxReconnectMs))} ` +
        `nodes_seen_down=${seenDown.size} restart_s=${restartSeconds.join("/")} ` +
        `prometheus_committed_since_restart=${committed} ` +
        `in ${Math.round((Date.now() - started) / 1000)} s after ${setupSeconds} s of set-up`,
    );
    assert.deepEqual(exitCodes, Array(NODES).fill(0), "every node exited cleanly on SIGTERM");
    assert.equal(seenDown.size, NODES, "HAProxy took each node out while it restarted");
    assert.equal(lost, 0, "lost");
    assert.equal(stored.duplicates + tally.conflicts, 0, "duplicates");
    assert.deepEqual([...problems, ...tally.unclean], [], "no client saw an error beyond reconnecting");
    assert.ok(
      clients.every((client) => client.reconnects > 0),
      "every client was moved at least once (its node restarted)",
    );
    assert.equal(nodes.crashes(), 0, "crashes");
  });
});
