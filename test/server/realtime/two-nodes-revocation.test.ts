import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { createTestCa, revokeTestCertificate, writeTestCrl } from "../../../src/server/test-ca.ts";
import { testCaDir } from "../../../src/server/trust-setup.ts";
import { type ChatUser, chatUser } from "../../support/chats.ts";
import { runCli, tempDataDir } from "../../support/cli.ts";
import { type ServerNode, startNode } from "../../support/nodes.ts";
import { freePort, kill, startRedis } from "../../support/processes.ts";
import { type ApiServer, backends, poster } from "../../support/server.ts";
import { TestSmsGateway } from "../../support/sms-gateway.ts";
import { chatBetween, connectV4, nextEvent, request, within } from "../../support/sockets.ts";
import { createDatabase, testDatabaseUrl } from "../../support/storage.ts";

const postgres = backends.find((backend) => backend.name === "postgres");

/**
 * A revocation found by one node (its CRL reload) ends the sessions on the other node too: the database mark
 * refuses the token there, and the other node's sockets are disconnected at once through Redis rather than at
 * its next minute re-check.
 */
describe("revocation across two nodes", { skip: postgres?.skip ?? "no PostgreSQL" }, () => {
  const dataDir = tempDataDir();
  const crlPath = join(testCaDir(dataDir), "crl.pem");
  const sms = new TestSmsGateway();
  const sockets: Socket[] = [];
  let redis: ChildProcess | undefined;
  let database: { url: string; drop(): Promise<void> } | undefined;
  const nodes: ServerNode[] = [];
  let alice: ChatUser;
  let bob: ChatUser;
  let carol: ChatUser;
  let chat: string;

  before(async () => {
    await createTestCa(testCaDir(dataDir));
    await writeTestCrl(testCaDir(dataDir), crlPath);
    database = await createDatabase(testDatabaseUrl, "certchat_revoke");
    const redisPort = await freePort();
    redis = await startRedis(redisPort);
    const smsUrl = await sms.start();
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await startNode({
          dataDir,
          databaseUrl: database.url,
          smsUrl,
          redisUrl: `redis://127.0.0.1:${redisPort}`,
          env: { CERTCHAT_CRL: crlPath },
        }),
      );
    }
    const api: ApiServer = { dataDir, sms, post: poster((nodes[0] as ServerNode).url) };
    alice = await chatUser(api, "Алисова Алиса Петровна");
    bob = await chatUser(api, "Бобров Борис Иванович");
    carol = await chatUser(api, "Карпова Карина Олеговна");
    chat = await chatBetween(api, alice, bob);
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    for (const node of nodes) await kill(node.child);
    await kill(redis);
    await sms.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("SIGHUP on node A ends the revoked user's socket on node B; another user's socket there stays", async () => {
    const [nodeA, nodeB] = nodes as [ServerNode, ServerNode];
    const aliceOnB = await connectV4(nodeB.url, { token: alice.token });
    const bobOnB = await connectV4(nodeB.url, { token: bob.token });
    sockets.push(aliceOnB, bobOnB);
    await revokeTestCertificate(testCaDir(dataDir), alice.user.der);
    await writeTestCrl(testCaDir(dataDir), crlPath);
    // Well inside node B's minute re-check (which could otherwise be what drops it).
    const dropped = nextEvent(aliceOnB, "disconnect", 10_000);
    nodeA.child.kill("SIGHUP");
    assert.equal(await dropped, "io server disconnect");
    const onB = poster(nodeB.url);
    assert.deepEqual((await onB("/api/profile/", { token: alice.token })).body, {
      success: false,
      error: "InvalidCertificate",
    });
    assert.equal(bobOnB.connected, true);
    assert.equal((await request(bobOnB, "messages", { chat })).success, true);
  });

  test("`certchat sessions revoke` (another process) disconnects the profile's sockets on both nodes within seconds", async () => {
    const onNodes = await Promise.all(nodes.map((node) => connectV4(node.url, { token: carol.token })));
    sockets.push(...onNodes);
    // Bounded from the command's exit below; this long only so that the CLI's own start-up is not counted.
    const dropped = Promise.all(onNodes.map((socket) => nextEvent(socket, "disconnect", 120_000)));
    const result = await runCli(["sessions", "revoke", "--profile", String(carol.pid)], {
      CERTCHAT_DATA_DIR: dataDir,
      CERTCHAT_DATABASE_URL: database?.url ?? "",
    });
    assert.equal(result.code, 0, result.stderr);
    // Each node's minute re-check is far off: only the nodes noticing the write can drop the sockets in time.
    assert.deepEqual(await within(dropped, 5_000, "both sockets' disconnects"), [
      "io server disconnect",
      "io server disconnect",
    ]);
  });
});
