import { rmSync } from "node:fs";
import { type ChatUser, call, chatUser, keysFor, newChatKey } from "../../test/support/chats.ts";
import { tempDataDir } from "../../test/support/cli.ts";
import { type ServerNode, startNode } from "../../test/support/nodes.ts";
import { kill } from "../../test/support/processes.ts";
import { type ApiServer, poster } from "../../test/support/server.ts";
import { TestSmsGateway } from "../../test/support/sms-gateway.ts";

export interface ClusterOptions {
  databaseUrl: string;
  nodes: number;
  redisUrl?: string;
}

/**
 * `certchat serve` nodes sharing one database, data directory (test CA) and SMS gateway. `api` talks to the
 * first node, which is enough to issue users and create chats.
 */
export class Cluster {
  private constructor(
    readonly nodes: ServerNode[],
    readonly api: ApiServer,
    private readonly dataDir: string,
    private readonly sms: TestSmsGateway,
  ) {}

  static async start(options: ClusterOptions): Promise<Cluster> {
    const dataDir = tempDataDir();
    const sms = new TestSmsGateway();
    const nodes: ServerNode[] = [];
    const cluster = new Cluster(
      nodes,
      { dataDir, sms, post: () => Promise.reject(new Error("no node")) },
      dataDir,
      sms,
    );
    try {
      const smsUrl = await sms.start();
      // One after the other: the first migrates the database and creates the test CA.
      for (let i = 0; i < options.nodes; i++) {
        nodes.push(
          await startNode({ dataDir, databaseUrl: options.databaseUrl, redisUrl: options.redisUrl, smsUrl }),
        );
      }
    } catch (error) {
      await cluster.close();
      throw error;
    }
    const first = nodes[0];
    if (!first) throw new Error("a cluster needs a node");
    Object.assign(cluster.api, { post: poster(first.url) });
    return cluster;
  }

  /** Nodes that ended although nobody killed them. */
  crashes(killedOnPurpose: ServerNode[] = []): number {
    return this.nodes.filter(
      (node) =>
        !killedOnPurpose.includes(node) && (node.child.exitCode !== null || node.child.signalCode !== null),
    ).length;
  }

  async close(): Promise<void> {
    for (const node of this.nodes) await kill(node.child);
    await this.sms.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** `users` registered users and `chats` group chats with every user a member (keys for all certificates). */
export async function populate(
  api: ApiServer,
  users: number,
  chats: number,
): Promise<{ members: ChatUser[]; chats: string[] }> {
  const members: ChatUser[] = [];
  for (let i = 0; i < users; i++) members.push(await chatUser(api, `Нагрузкин Пётр ${i}`));
  const [owner] = members;
  if (!owner) throw new Error("populate needs a user");
  const ids: string[] = [];
  for (let i = 0; i < chats; i++) {
    const created = await call<{ chatId: string }>(api, "/api/createChat/", {
      token: owner.token,
      type: 1,
      name: `load ${i}`,
      keys: keysFor(newChatKey(), members),
    });
    ids.push(created.chatId);
  }
  return { members, chats: ids };
}
