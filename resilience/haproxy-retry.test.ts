import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { ChatUser } from "../test/support/chats.ts";
import { freePort } from "../test/support/processes.ts";
import { createDatabase, testDatabaseUrl } from "../test/support/storage.ts";
import { toolSkip } from "../test/support/tools.ts";
import { Cluster, populate } from "./support/cluster.ts";
import { Haproxy } from "./support/haproxy.ts";
import { sharedPostgresSkip } from "./support/requirements.ts";

const NODES = 3;
/** REST clients, each from a loopback address of its own: HAProxy balances by source, so every node has some. */
const CLIENTS = 12;

/** One answer as a client saw it: the HTTP status and whether the body was a success envelope. */
interface Outcome {
  status: number;
  success: boolean;
  text: string;
  /** Sent on a kept-alive connection used before. */
  reused: boolean;
}

/** A JSON POST on a kept-alive connection of `agent`; a transport failure is an outcome of status 0. */
function postOnce(url: string, path: string, body: unknown, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      `${url}${path}`,
      { method: "POST", agent, headers: { "content-type": "application/json" }, timeout: 30_000 },
      (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => {
          let success = false;
          try {
            success = (JSON.parse(text) as { success?: unknown }).success === true;
          } catch {}
          const status = response.statusCode ?? 0;
          resolve({ status, success, text: text.slice(0, 200), reused: req.reusedSocket });
        });
      },
    );
    req.on("error", (error) =>
      resolve({ status: 0, success: false, text: error.message, reused: req.reusedSocket }),
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.end(JSON.stringify(body));
  });
}

/**
 * postOnce, sent once more on a new connection when a kept-alive one closed without an answer: a server (here
 * HAProxy, whose connection to a closing node was closed under a request) may close an idle connection as a
 * request goes out on it, and clients send such a request again (OkHttp, which the deployed Android client
 * uses, does; Node documents `reusedSocket` for it). Those sent again are counted in `again`.
 */
async function post(url: string, path: string, body: unknown, agent: Agent, again: { count: number }) {
  const first = await postOnce(url, path, body, agent);
  if (first.status !== 0 || !first.reused) return first;
  again.count++;
  return postOnce(url, path, body, agent);
}

/**
 * Three `certchat serve` nodes behind HAProxy running deploy/haproxy.cfg (loopback addresses), each closing
 * without a drain delay: a node closes while HAProxy still sends it requests, as when its health checks lag
 * behind the drain delay on a loaded machine.
 */
describe("resilience: haproxy sends a request a closing node did not run to another node", {
  skip: sharedPostgresSkip || toolSkip("haproxy", ["-v"]),
}, () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let cluster: Cluster | undefined;
  let proxy: Haproxy | undefined;
  let members: ChatUser[] = [];
  let chats: string[] = [];

  before(async () => {
    database = await createDatabase(testDatabaseUrl, "certchat_haproxy_retry");
    const ports: number[] = [];
    for (let i = 0; i < NODES; i++) ports.push(await freePort());
    cluster = await Cluster.start({
      databaseUrl: database.url,
      nodes: NODES,
      node: (i) => ({
        port: ports[i],
        // No drain delay; the wait for requests to stop before the listener closes as in production (its default).
        env: {
          CERTCHAT_TRUST_PROXY: "127.0.0.1",
          CERTCHAT_DRAIN_DELAY: "0",
          CERTCHAT_CLOSING_QUIET: "300ms",
        },
      }),
    });
    proxy = await Haproxy.start(ports.map((port) => `127.0.0.1:${port}`));
    assert.ok(await proxy.allServers("UP"), `HAProxy sees every node ready: ${proxy.log()}`);
    ({ members, chats } = await populate(cluster.api, 1, 1));
  });

  after(async () => {
    await proxy?.stop();
    await cluster?.close();
    await database?.drop();
  });

  test("history pages asked through HAProxy during a rolling restart all answer, though each node closes before HAProxy takes it out", async () => {
    const nodes = cluster as Cluster;
    const lb = proxy as Haproxy;
    const page = { token: members[0]?.token, chat: chats[0] };
    let going = true;
    const outcomes: Outcome[] = [];
    const again = { count: 0 };
    const asking = Array.from({ length: CLIENTS }, async (_, i) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.0.${60 + i}` });
      while (going) outcomes.push(await post(lb.url, "/api/messages/", page, agent, again));
      agent.destroy();
    });
    const before = await lb.retries();
    const exitCodes: (number | null)[] = [];
    for (let i = 0; i < NODES; i++) {
      await delay(500);
      exitCodes.push(await nodes.restart(i));
      assert.ok(await lb.server(`node${i + 1}`, "UP"), `node${i + 1} back in the rotation: ${lb.log()}`);
    }
    going = false;
    await Promise.all(asking);
    const after = await lb.retries();
    const failed = outcomes.filter((outcome) => outcome.status !== 200 || !outcome.success);
    console.log(
      `resilience haproxy-retry: nodes=${NODES} clients=${CLIENTS} requests=${outcomes.length} ` +
        `failed=${failed.length} (503=${failed.filter((o) => o.status === 503).length} ` +
        `transport=${failed.filter((o) => o.status === 0).length}) client_sent_again=${again.count} ` +
        `haproxy_retries=${after.retried - before.retried} redispatches=${after.redispatched - before.redispatched}`,
    );
    assert.deepEqual(exitCodes, Array(NODES).fill(0), "every node exited cleanly on SIGTERM");
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${outcomes.length} requests failed`);
  });
});
