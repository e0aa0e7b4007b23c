import { execFile, spawnSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../../test/support/processes.ts";
import { postgresBinDir } from "./requirements.ts";

const run = promisify(execFile);

/** As root, initdb and the server refuse to run: they run as the `postgres` user, in a directory it owns. */
function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function postgresUid(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const probe = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
  const group = spawnSync("id", ["-g", "postgres"], { encoding: "utf8" });
  return { uid: Number(probe.stdout.trim()), gid: Number(group.stdout.trim()) };
}

/**
 * A PostgreSQL cluster of the test's own in a temporary directory, on a free loopback port, so a test can
 * stop and restart it without touching the machine's shared cluster. Trust authentication, loopback only.
 * `destroy` stops it and removes the directory; an exit hook does the same if the test process dies first.
 */
export class PrivatePostgres {
  private readonly exitHook = () => this.destroySync();

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    readonly port: number,
  ) {
    process.once("exit", this.exitHook);
  }

  /** The URL of the `postgres` database as the superuser `postgres`. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private get dataDir(): string {
    return join(this.dir, "data");
  }

  static async create(): Promise<PrivatePostgres> {
    const bin = postgresBinDir();
    if (!bin) throw new Error("initdb/pg_ctl not found");
    const dir = mkdtempSync(join(tmpdir(), "certchat-pg-"));
    const owner = postgresUid();
    if (owner) chownSync(dir, owner.uid, owner.gid);
    const cluster = new PrivatePostgres(bin, dir, await freePort());
    try {
      await cluster.exec("initdb", ["-D", cluster.dataDir, "-A", "trust", "-U", "postgres", "--no-sync"]);
      await cluster.start();
    } catch (error) {
      await cluster.destroy();
      throw error;
    }
    return cluster;
  }

  private async exec(tool: string, args: string[]): Promise<void> {
    const [command, fullArgs] = asPostgresUser(join(this.bin, tool), args);
    await run(command, fullArgs, { timeout: 60_000 });
  }

  /** Starts the server and waits until it accepts connections. */
  start(): Promise<void> {
    return this.exec("pg_ctl", [
      "-D",
      this.dataDir,
      "-l",
      join(this.dir, "server.log"),
      "-w",
      "-t",
      "30",
      "-o",
      `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1`,
      "start",
    ]);
  }

  /** `immediate` is a crash as far as clients are concerned: connections drop, recovery replays the WAL. */
  stop(mode: "fast" | "immediate"): Promise<void> {
    return this.exec("pg_ctl", ["-D", this.dataDir, "-m", mode, "-w", "-t", "30", "stop"]);
  }

  async destroy(): Promise<void> {
    process.removeListener("exit", this.exitHook);
    await this.stop("immediate").catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  private destroySync(): void {
    const [command, args] = asPostgresUser(join(this.bin, "pg_ctl"), [
      "-D",
      this.dataDir,
      "-m",
      "immediate",
      "stop",
    ]);
    spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
