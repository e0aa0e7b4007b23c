import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type StorageTarget, storageTarget } from "../../src/server/storage/database.ts";
import { createTestCa, type IssueAlgorithm } from "../../src/server/test-ca.ts";
import { testCaDir } from "../../src/server/trust-setup.ts";
import { chatServerEnv } from "../../test/support/chats.ts";
import { certchatBin, certchatSourceBin, quietServerEnv } from "../../test/support/cli.ts";
import { freePort } from "../../test/support/processes.ts";
import { type ApiServer, poster } from "../../test/support/server.ts";
import { TestSmsGateway } from "../../test/support/sms-gateway.ts";
import { createDatabase, testDatabaseUrl } from "../../test/support/storage.ts";
import { type ServerChild, spawnServer } from "./child-process.ts";

export type BackendName = "sqlite" | "postgres";

/** `certchat serve` in a child process on a fresh data directory (test CA) and a fresh database. */
export interface CertchatChild extends ServerChild {
  url: string;
  /** For the user helpers of test/support: the child's data directory, SMS gateway and HTTP client. */
  api: ApiServer;
  /** The database the child writes, for a baseline run against it once the child is stopped. */
  storage: StorageTarget;
  /**
   * Starts the server again on the same port, data directory and database once it has ended (after kill()
   * or stop()); resolves once it listens. `pid` is the new process's from then on.
   */
  restart(): Promise<void>;
  /** Stops the child (if still running) and removes its data directory, database and SMS gateway. */
  dispose(): Promise<void>;
}

/**
 * Which certchat the bench's servers run (its children, and the rolling case's nodes).
 * `BENCH_CERTCHAT=current`: the children run test/support/certchat-current.mjs — the compiled dist/ when it is
 * this source's, without tsx: a start in a third of the CPU time — instead of the TypeScript through tsx, which
 * the figures are measured with (trees compare alike whether or not dist/ is built). For runs whose figures
 * are not read: the smoke test sets it.
 */
export function childCli(): string {
  return process.env.BENCH_CERTCHAT === "current" ? certchatBin : certchatSourceBin;
}

/**
 * `caAlg`: the key algorithm of the child's test CA (default: what `serve` creates, ECDSA P-256); `readyMs`:
 * how long a start (and a restart) may take.
 */
export async function startCertchatChild(
  backend: BackendName,
  options: { caAlg?: IssueAlgorithm; readyMs?: number } = {},
): Promise<CertchatChild> {
  const dataDir = mkdtempSync(join(tmpdir(), "certchat-bench-"));
  if (options.caAlg) await createTestCa(testCaDir(dataDir), { alg: options.caAlg });
  const sms = new TestSmsGateway();
  const smsUrl = await sms.start();
  // PostgreSQL: a database of its own (the CLI takes a URL, not a schema), dropped in dispose.
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
  const cleanUp = async () => {
    await sms.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  };
  try {
    if (backend === "postgres") database = await createDatabase(testDatabaseUrl, "certchat_bench");
    const databaseUrl = database?.url;
    const port = await freePort();
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith("CERTCHAT_")),
    );
    const cli = childCli();
    const spawnChild = () =>
      spawnServer(
        cli,
        ["serve"],
        {
          ...env,
          ...chatServerEnv,
          ...quietServerEnv,
          CERTCHAT_LOG_LEVEL: "warn",
          CERTCHAT_HOST: "127.0.0.1",
          CERTCHAT_PORT: String(port),
          CERTCHAT_DATA_DIR: dataDir,
          CERTCHAT_SMS_PROVIDER: "http",
          CERTCHAT_SMS_HTTP_URL: smsUrl,
          ...(databaseUrl ? { CERTCHAT_DATABASE_URL: databaseUrl } : {}),
        },
        "realtime:",
        options.readyMs,
        cli === certchatBin ? "none" : "tsx",
      );
    let child = await spawnChild();
    const url = `http://127.0.0.1:${port}`;
    return {
      get pid() {
        return child.pid;
      },
      stop: () => child.stop(),
      kill: () => child.kill(),
      async restart() {
        child = await spawnChild();
      },
      url,
      api: { dataDir, sms, post: poster(url) },
      storage: storageTarget(dataDir, databaseUrl),
      async dispose() {
        await child.stop();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
