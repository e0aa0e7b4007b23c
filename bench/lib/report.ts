import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { type BenchOptions, optionsFromArgv } from "./options.ts";
import { isPinned, pinCores } from "./pinning.ts";

/** One figure of a scenario, with the baseline measured in the same run and their ratio. */
export interface Row {
  name: string;
  unit: string;
  value: number;
  baselineName: string;
  baseline: number;
  /** value / baseline */
  ratio: number;
  /** Other figures of the same case, e.g. "p50 0.4 p95 0.9". */
  detail?: string;
  target?: string;
  met?: boolean;
  /** The figure of each repetition (`--repeat`), of which `value` is the median or the worst, as `detail` says. */
  repetitions?: number[];
  /** The issue-16 target the row judges ("16.1" …), for the run's closing summary (ISSUE_16_TARGETS). */
  issue?: string;
}

export interface ScenarioResult {
  scenario: string;
  rows: Row[];
  notes: string[];
}

/** A scenario's result as recorded: when it ran and the machine's load average before and after. */
interface RecordedResult extends ScenarioResult {
  started: string;
  seconds: number;
  loadBefore: number[];
  loadAfter: number[];
}

/** Issue 16 judges its targets in pinned mode only: unpinned, a row gives its figures and no verdict. */
export function pinnedVerdict(met: boolean): boolean | undefined {
  return isPinned() ? met : undefined;
}

export function row(fields: Omit<Row, "ratio">): Row {
  return { ...fields, ratio: fields.baseline === 0 ? Number.NaN : fields.value / fields.baseline };
}

/**
 * Issue 16's targets, in its order, with the scenario that judges each; a target
 * no row of the run judges is printed as not measured.
 */
const ISSUE_16_TARGETS: Record<string, { title: string; scenario: string }> = {
  "16.1": { title: "delivery cost (fan-out, K=100 and K=1000)", scenario: "fanout" },
  "16.2": { title: "sustained rate into 100 sockets", scenario: "sustained" },
  "16.3": { title: "steady tails at 250 and 500 msg/s × 100", scenario: "latency" },
  "16.4": { title: "one fast socket", scenario: "single-socket" },
  "16.5": { title: "logins", scenario: "auth" },
  "16.6": { title: "reconnect storm (10,000 sockets, restart)", scenario: "reconnect-storm" },
  "16.7": { title: "C100K (100,000 idle sockets on one node)", scenario: "c100k" },
};

export function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 0.1 || value === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

/** A ratio, or a dash when there is none (a zero baseline: 0/0 would print "NaN×"). */
function ratioText(ratio: number): string {
  return Number.isFinite(ratio) ? `${format(ratio)}×` : "—";
}

function machine() {
  return { node: process.version, cpu: cpus()[0]?.model ?? "cpu", cores: cpus().length, load: loadavg() };
}

/** The commit the bench ran from, with "+" when the work tree had changes (for A/B records). */
function commit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" }).trim() !== "";
    return dirty ? `${head}+` : head;
  } catch {
    return "unknown";
  }
}

function printTable(header: string[], lines: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const print = (cells: string[]) =>
    console.log(
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
  print(header);
  for (const line of lines) print(line);
}

const metText = (met: boolean | undefined) => (met === undefined ? "" : met ? "met" : "NOT MET");

function describeMode(options: BenchOptions): string {
  const pinned = isPinned() ? ", pinned" : "";
  const repeat = (options.repeat ?? 1) > 1 ? `, ×${options.repeat} alternating` : "";
  return `${options.mode}${pinned}${repeat}`;
}

export function printResult(result: ScenarioResult, options: BenchOptions): void {
  const { node, cpu, cores, load } = machine();
  console.log(
    `\n== ${result.scenario} (${describeMode(options)}) — node ${node}, ${cores}× ${cpu}, load ${load.map((l) => l.toFixed(2)).join(" ")}`,
  );
  printTable(
    ["case", "figure", "baseline", "ratio", "target", "met", "detail"],
    result.rows.map((r) => [
      r.name,
      `${format(r.value)} ${r.unit}`,
      `${format(r.baseline)} (${r.baselineName})`,
      ratioText(r.ratio),
      r.target ?? "",
      metText(r.met),
      r.detail ?? "",
    ]),
  );
  for (const note of result.notes) console.log(`  note: ${note}`);
}

/** The closing summary: every issue-16 target with its figure, baseline, ratio and met / not met. */
export function printTargets(results: ScenarioResult[]): void {
  const rows = results.flatMap((result) => result.rows.filter((r) => r.issue !== undefined));
  console.log("\n== issue 16 targets");
  const lines: string[][] = [];
  for (const [id, { title, scenario }] of Object.entries(ISSUE_16_TARGETS)) {
    const judged = rows.filter((r) => r.issue === id);
    const why = `not measured: bench/${scenario}.ts not in this run`;
    if (judged.length === 0) lines.push([id, title, "", "", "", "", why]);
    for (const r of judged) {
      lines.push([
        id,
        r.name,
        `${format(r.value)} ${r.unit}`,
        `${format(r.baseline)} (${r.baselineName})`,
        ratioText(r.ratio),
        r.target ?? "",
        r.met === undefined ? "not judged: unpinned" : metText(r.met),
      ]);
    }
  }
  printTable(["#", "case", "figure", "baseline", "ratio", "target", "met"], lines);
}

/** Writes the run's results as bench/results/<timestamp>.json and returns the file's path. */
export function writeRun(results: RecordedResult[], options: BenchOptions): string {
  const date = new Date().toISOString();
  const dir = new URL("../results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${date.replace(/[:.]/g, "-")}.json`, dir);
  const run = {
    date,
    commit: commit(),
    options: { ...options, pinned: isPinned() },
    machine: machine(),
    scenarios: results,
  };
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file.pathname;
}

export type Scenario = (options: BenchOptions) => Promise<ScenarioResult>;

/** Runs and prints one scenario; the result carries its timing and the load around it. */
export async function runScenario(scenario: Scenario, options: BenchOptions): Promise<RecordedResult> {
  const started = new Date();
  const loadBefore = loadavg();
  const result = await scenario(options);
  printResult(result, options);
  return {
    ...result,
    started: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    loadBefore,
    loadAfter: loadavg(),
  };
}

/** Runs `scenarios` one after another (pinning first if asked), prints the targets and writes the run. */
export async function runScenarios(scenarios: Scenario[], options: BenchOptions): Promise<void> {
  if (options.pinned) pinCores();
  const results: RecordedResult[] = [];
  for (const scenario of scenarios) results.push(await runScenario(scenario, options));
  printTargets(results);
  console.log(`\n  wrote ${writeRun(results, options)}`);
}

/** `node --import tsx bench/<scenario>.ts [--quick] [--pinned] [--repeat N]` runs that scenario alone. */
export async function runIfMain(moduleUrl: string, scenario: Scenario): Promise<void> {
  if (process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href) {
    await runScenarios([scenario], optionsFromArgv());
  }
}
