import { rmSync } from "node:fs";
import { type ChatUser, call, chatUser, keysFor, newChatKey } from "../../test/support/chats.ts";
import { tempDataDir } from "../../test/support/cli.ts";
import { type NodeSettings, type ServerNode, startNode } from "../../test/support/nodes.ts";
import { exited, kill } from "../../test/support/processes.ts";
import { type ApiServer, poster } from "../../test/support/server.ts";
import { TestSmsGateway } from "../../test/support/sms-gateway.ts";

export interface ClusterOptions {
  databaseUrl: string;
  nodes: number;
  redisUrl?: string;
  /** Per node (by index): a fixed port and extra settings, e.g. for nodes behind a load balancer. */
  node?: (index: number) => Pick<NodeSettings, "port" | "env" | "wrap" | "bin">;
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
    /** How each node was started, to start it again the same way. */
    private readonly settings: NodeSettings[] = [],
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
        const settings = { dataDir, databaseUrl: options.databaseUrl, redisUrl: options.redisUrl, smsUrl };
        cluster.settings.push({ ...settings, ...options.node?.(i) });
        nodes.push(await startNode(cluster.settings[i] as NodeSettings));
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

  /**
   * A graceful restart of node `index`: SIGTERM, wait for its exit (resolves with the exit code), start it
   * again with the same settings and port; resolves once it listens.
   */
  async restart(index: number): Promise<number | null> {
    const node = this.nodes[index];
    const settings = this.settings[index];
    if (!node || !settings) throw new Error(`no node ${index}`);
    node.child.kill("SIGTERM");
    const code = await exited(node.child);
    this.nodes[index] = await startNode(settings);
    return code;
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
