import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, kill } from "../../test/support/processes.ts";
import { waitForAsync } from "./load-clients.ts";

/** The committed production example; the test runs it with only its addresses changed. */
export const productionConfig = fileURLToPath(new URL("../../deploy/haproxy.cfg", import.meta.url));

/** deploy/haproxy.cfg with only its first `nodes` server lines (a cluster smaller than the file's three). */
export function productionConfigFor(nodes: number): string {
  let servers = 0;
  return readFileSync(productionConfig, "utf8")
    .split("\n")
    .filter((line) => !/^\s*server\s/.test(line) || servers++ < nodes)
    .join("\n");
}

export interface ProxyLayout {
  /** Where clients connect (the `certchat` frontend's bind). */
  listen: string;
  /** The `stats` frontend's bind (stats page and HAProxy's Prometheus exporter). */
  stats: string;
  /** host:port of each node, in the order of the backend's `server` lines. */
  nodes: string[];
}

/** Global settings for a daemon started by root under systemd, meaningless for a foreground test process. */
const DAEMON_ONLY = /^\s*(chroot|stats socket|user|group|daemon|maxconn)\b/;
/** Syslog becomes stderr, notices and worse only (server state changes, not every request). */
const TEST_LOG = "    log stderr format raw local0 notice";

/**
 * The production config with loopback addresses: each frontend's `bind` and each `server` address replaced,
 * every other line (timeouts, balancing, health checks, forwarding) exactly as committed. Throws when the
 * file's shape changed (a section or server count the test does not expect), so the test cannot quietly run
 * something else.
 */
export function loopbackConfig(committed: string, layout: ProxyLayout): string {
  let section = "";
  let servers = 0;
  let logged = 0;
  const binds = new Map<string, number>();
  const lines = committed.split("\n").flatMap((line) => {
    const header = /^(global|defaults|frontend|backend|listen)\b\s*(\S*)/.exec(line);
    if (header) section = `${header[1]} ${header[2]}`.trim();
    if (section === "global" && DAEMON_ONLY.test(line)) return [];
    if (section === "global" && /^\s*log\s/.test(line)) return logged++ === 0 ? [TEST_LOG] : [];
    const bind = /^(\s*)bind\s/.exec(line);
    if (bind) {
      binds.set(section, (binds.get(section) ?? 0) + 1);
      const address = section === "frontend certchat" ? layout.listen : layout.stats;
      return [`${bind[1]}bind ${address}`];
    }
    const server = /^(\s*server\s+\S+\s+)\S+(.*)$/.exec(line);
    if (server) {
      const address = layout.nodes[servers++];
      if (!address) throw new Error(`${productionConfig} has more server lines than the test's nodes`);
      return [`${server[1]}${address}${server[2]}`];
    }
    return [line];
  });
  if (servers !== layout.nodes.length) {
    throw new Error(`${productionConfig} has ${servers} server lines, the test ${layout.nodes.length} nodes`);
  }
  if (binds.get("frontend certchat") !== 1 || binds.get("frontend stats") !== 1) {
    throw new Error(`${productionConfig}: expected one bind in each of the frontends certchat and stats`);
  }
  return lines.join("\n");
}

/** A server's state as HAProxy's stats page reports it ("UP", "DOWN", "UP 1/2", "MAINT", …). */
export type ServerStates = Map<string, string>;

/** Debian's haproxy in the foreground with the loopback variant of deploy/haproxy.cfg. */
export class Haproxy {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    readonly statsUrl: string,
    private readonly output: () => string,
  ) {}

  /** `committed`: the config to run with loopback addresses (default: deploy/haproxy.cfg as committed). */
  static async start(nodes: string[], committed = readFileSync(productionConfig, "utf8")): Promise<Haproxy> {
    const [port, statsPort] = [await freePort(), await freePort()];
    const dir = mkdtempSync(join(tmpdir(), "certchat-haproxy-"));
    const file = join(dir, "haproxy.cfg");
    const layout = { listen: `127.0.0.1:${port}`, stats: `127.0.0.1:${statsPort}`, nodes };
    writeFileSync(file, loopbackConfig(committed, layout));
    // -db: foreground, no daemon; -W: master-worker as under systemd.
    const child = spawn("haproxy", ["-W", "-db", "-f", file], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    const proxy = new Haproxy(
      child,
      dir,
      `http://127.0.0.1:${port}`,
      `http://127.0.0.1:${statsPort}`,
      () => output,
    );
    const listening = await waitForAsync(async () => {
      if (child.exitCode !== null) throw new Error(`haproxy exited: ${output}`);
      return (await proxy.states().catch(() => undefined)) !== undefined;
    }, 15_000);
    if (!listening) {
      await proxy.stop();
      throw new Error(`haproxy did not start: ${output}`);
    }
    return proxy;
  }

  /** The stats page's CSV export: its column names and its rows. */
  private async stats(): Promise<{ columns: string[]; rows: string[] }> {
    const response = await fetch(`${this.statsUrl}/stats;csv`);
    if (!response.ok) throw new Error(`haproxy stats: HTTP ${response.status}`);
    const [head = "", ...rows] = (await response.text()).trim().split("\n");
    return { columns: head.replace(/^# /, "").split(","), rows };
  }

  /** The nodes' backend: requests sent again to a server (wretr) and to another server (wredis). */
  async retries(): Promise<{ retried: number; redispatched: number }> {
    const { columns, rows } = await this.stats();
    const backend = rows
      .map((row) => row.split(","))
      .find((cells) => cells[0] === "certchat_nodes" && cells[1] === "BACKEND");
    const cell = (name: string) => Number(backend?.[columns.indexOf(name)] ?? 0);
    return { retried: cell("wretr"), redispatched: cell("wredis") };
  }

  /** Each backend server's state, from the stats page's CSV export. */
  async states(): Promise<ServerStates> {
    const { columns, rows } = await this.stats();
    const [proxy, name, status] = ["pxname", "svname", "status"].map((column) => columns.indexOf(column));
    const states: ServerStates = new Map();
    for (const row of rows) {
      const cells = row.split(",");
      if (
        cells[proxy ?? 0] === "certchat_nodes" &&
        !["BACKEND", "FRONTEND"].includes(cells[name ?? 1] ?? "")
      ) {
        states.set(cells[name ?? 1] ?? "", cells[status ?? 17] ?? "");
      }
    }
    return states;
  }

  /** Waits until HAProxy's health checks see every server as `state` (bounded by `ms`). */
  async allServers(state: "UP" | "DOWN", ms = 60_000): Promise<boolean> {
    return waitForAsync(async () => {
      const states = [...(await this.states()).values()];
      return states.length > 0 && states.every((s) => s === state);
    }, ms);
  }

  /** Waits until the named server (node1, node2, …) is in `state`. */
  async server(name: string, state: "UP" | "DOWN", ms = 60_000): Promise<boolean> {
    return waitForAsync(async () => (await this.states()).get(name) === state, ms);
  }

  log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    await kill(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
