import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, kill } from "../../test/support/processes.ts";
import { waitForAsync } from "./load-clients.ts";

/** The committed alert rules: loaded into the test's Prometheus so they are evaluated against real series. */
export const alertRules = fileURLToPath(new URL("../../deploy/alerts.yml", import.meta.url));

/** Scrape targets (host:port) by job name; the nodes' job must be "certchat" (deploy/alerts.yml). */
export type ScrapeJobs = Record<string, string[]>;

/** A scrape every second and rules every second: the test sees changes within a few seconds. */
function configText(jobs: ScrapeJobs): string {
  const scrapes = Object.entries(jobs)
    .map(
      ([job, targets]) =>
        `  - job_name: ${job}\n    static_configs:\n      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`,
    )
    .join("\n");
  return [
    "global:",
    "  scrape_interval: 1s",
    "  scrape_timeout: 1s",
    "  evaluation_interval: 1s",
    "rule_files:",
    `  - ${JSON.stringify(alertRules)}`,
    "scrape_configs:",
    scrapes,
    "",
  ].join("\n");
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RuleState {
  name: string;
  health: string;
  state?: string;
  lastError?: string;
}

/** Debian's prometheus on a free loopback port, with its own temporary storage, scraping `jobs`. */
export class Prometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  static async start(jobs: ScrapeJobs): Promise<Prometheus> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "certchat-prometheus-"));
    const config = join(dir, "prometheus.yml");
    writeFileSync(config, configText(jobs));
    const child = spawn(
      "prometheus",
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const collect = (chunk: Buffer) => {
      output += chunk.toString("utf8");
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const prometheus = new Prometheus(child, dir, `http://127.0.0.1:${port}`, () => output);
    const ready = await waitForAsync(async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
      return (await fetch(`${prometheus.url}/-/ready`).catch(() => undefined))?.ok === true;
    }, 30_000);
    if (!ready) {
      await prometheus.stop();
      throw new Error(`prometheus did not become ready: ${output}`);
    }
    return prometheus;
  }

  /** An instant query through the HTTP API: the samples of the resulting vector. */
  async query(expr: string): Promise<VectorSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: VectorSample[] };
    };
    if (body.status !== "success" || body.data?.resultType !== "vector") {
      throw new Error(`query ${expr}: ${body.error ?? body.data?.resultType}`);
    }
    return body.data.result;
  }

  /** The single value of an aggregating query (`sum(…)`); undefined while it has no sample. */
  async scalar(expr: string): Promise<number | undefined> {
    const [sample] = await this.query(expr);
    return sample ? Number(sample.value[1]) : undefined;
  }

  /** Waits until `expr` has a value for which `holds` is true; resolves with the last value seen. */
  async until(
    expr: string,
    holds: (value: number) => boolean,
    ms = 60_000,
  ): Promise<{ ok: boolean; value: number | undefined }> {
    let value: number | undefined;
    const ok = await waitForAsync(async () => {
      value = await this.scalar(expr);
      return value !== undefined && holds(value);
    }, ms);
    return { ok, value };
  }

  /** Every loaded alerting/recording rule with its evaluation health. */
  async rules(): Promise<RuleState[]> {
    const response = await fetch(`${this.url}/api/v1/rules`);
    const body = (await response.json()) as { data: { groups: { rules: RuleState[] }[] } };
    return body.data.groups.flatMap((group) => group.rules);
  }

  log(): string {
    return this.output();
  }

  async stop(): Promise<void> {
    await kill(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
