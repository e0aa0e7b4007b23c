import type { ChildProcess } from "node:child_process";
import { chatServerEnv } from "./chats.ts";
import { type CommandWrapper, startCli } from "./cli.ts";
import { freePort } from "./processes.ts";

/** A `certchat serve` process on a loopback port. */
export interface ServerNode {
  url: string;
  child: ChildProcess;
  /** Everything it printed on stdout so far. */
  stdout: () => string;
}

export interface NodeSettings {
  /** Shared by every node of a cluster: the test CA and the files. */
  dataDir: string;
  databaseUrl: string;
  /** Omitted: a single node without the Redis adapter. */
  redisUrl?: string;
  smsUrl: string;
  env?: Record<string, string>;
  /** Omitted: a free port. Given: that port (a node restarted behind a load balancer keeps its address). */
  port?: number;
  /** Runs the node under a wrapper (a benchmark's `taskset` pinning); omitted: as it is. */
  wrap?: CommandWrapper;
  /** Which certchat runs (startCli's `bin`); omitted: certchatBin, the compiled dist/ when it is current. */
  bin?: string;
}

/**
 * Starts one node and resolves once it listens. Start the first node of a cluster alone: it migrates the
 * database and creates the data directory's test CA.
 */
export async function startNode(settings: NodeSettings): Promise<ServerNode> {
  const port = settings.port ?? (await freePort());
  const { child, stdout } = await startCli(
    ["serve"],
    {
      ...chatServerEnv,
      CERTCHAT_PORT: String(port),
      CERTCHAT_DATA_DIR: settings.dataDir,
      CERTCHAT_DATABASE_URL: settings.databaseUrl,
      ...(settings.redisUrl ? { CERTCHAT_REDIS_URL: settings.redisUrl } : {}),
      CERTCHAT_SMS_PROVIDER: "http",
      CERTCHAT_SMS_HTTP_URL: settings.smsUrl,
      CERTCHAT_VERIFY_WORKERS: "1",
      ...settings.env,
    },
    "realtime:",
    // Cluster nodes start while others run under load (a rolling restart): 30 s was not always enough on a
    // busy two-core machine.
    90_000,
    settings.wrap,
    settings.bin,
  );
  return { url: `http://127.0.0.1:${port}`, child, stdout };
}

/** The node's metrics address, from its start-up banner. */
export function metricsUrlOf(node: ServerNode): string | undefined {
  return /^ {2}metrics: (http:\/\/\S+)$/m.exec(node.stdout())?.[1];
}
