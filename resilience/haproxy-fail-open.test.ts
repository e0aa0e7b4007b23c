import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { ChatUser } from "../test/support/chats.ts";
import { freePort } from "../test/support/processes.ts";
import { createDatabase, testDatabaseUrl } from "../test/support/storage.ts";
import { TcpProxy } from "../test/support/tcp-proxy.ts";
import { toolSkip } from "../test/support/tools.ts";
import { Cluster, populate } from "./support/cluster.ts";
import { Haproxy, productionConfigFor } from "./support/haproxy.ts";
import { sharedPostgresSkip } from "./support/requirements.ts";

const NODES = 2;

/**
 * Two nodes behind HAProxy running deploy/haproxy.cfg, their PostgreSQL reached through a proxy the test cuts:
 * both nodes' /readyz answer 503 and HAProxy's checks take every node out. With no node left, HAProxy used to
 * answer every request with its own 503 page, which the deployed clients cannot read (they read only 200
 * bodies); the fail-open backend sends the requests to the nodes anyway (docs/DECISIONS.md §20). The same
 * happens to a node only busy — the survivor of a rolling restart taking over 10,000 sockets — which is what
 * the fail-open is for; an unreachable database is the way to make every check fail on purpose.
 */
describe("resilience: haproxy sends requests to the nodes when every node failed its health checks", {
  skip: sharedPostgresSkip || toolSkip("haproxy", ["-v"]),
}, () => {
  let database: { url: string; drop(): Promise<void> } | undefined;
  let cut: TcpProxy | undefined;
  let cluster: Cluster | undefined;
  let proxy: Haproxy | undefined;
  let member: ChatUser | undefined;

  before(async () => {
    database = await createDatabase(testDatabaseUrl, "certchat_haproxy_fail_open");
    cut = new TcpProxy(new URL(database.url));
    const port = new URL(await cut.start()).port;
    const databaseUrl = Object.assign(new URL(database.url), { hostname: "127.0.0.1", port }).toString();
    const ports: number[] = [];
    for (let i = 0; i < NODES; i++) ports.push(await freePort());
    cluster = await Cluster.start({
      databaseUrl,
      nodes: NODES,
      node: (i) => ({ port: ports[i], env: { CERTCHAT_TRUST_PROXY: "127.0.0.1" } }),
    });
    proxy = await Haproxy.start(
      ports.map((p) => `127.0.0.1:${p}`),
      productionConfigFor(NODES),
    );
    assert.ok(await proxy.allServers("UP"), `HAProxy sees every node ready: ${proxy.log()}`);
    [member] = (await populate(cluster.api, 1, 1)).members;
  });

  after(async () => {
    cut?.resume();
    await proxy?.stop();
    await cluster?.close();
    await cut?.stop();
    await database?.drop();
  });

  test("with every node out of the rotation, a request gets a node's answer, not HAProxy's 503", async () => {
    const lb = proxy as Haproxy;
    (cut as TcpProxy).pause();
    assert.ok(await lb.allServers("DOWN"), `every node fails its checks: ${lb.log()}`);
    assert.match(lb.log(), /backend certchat_nodes has no server available/);

    const page = await fetch(`${lb.url}/`);
    assert.equal(page.status, 200, "the web client's page, served by a node");
    await page.arrayBuffer();
    const profile = await fetch(`${lb.url}/api/profile/`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: member?.token }),
    });
    assert.equal(profile.status, 200, "a node's envelope, which every client reads");
    const envelope = (await profile.json()) as { success: boolean; error?: string };
    assert.equal(envelope.success, false, "the node cannot read the session without its database");

    (cut as TcpProxy).resume();
    assert.ok(await lb.allServers("UP"), `every node back once the database answers: ${lb.log()}`);
  });
});
