import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { type BenchOptions, optionsFromArgv } from "./options.ts";

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
}

export interface ScenarioResult {
  scenario: string;
  rows: Row[];
  notes: string[];
}

export function row(fields: Omit<Row, "ratio">): Row {
  return { ...fields, ratio: fields.baseline === 0 ? Number.NaN : fields.value / fields.baseline };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 0.1 || value === 0) return value.toFixed(2);
  return value.toPrecision(2);
}

function machine() {
  return { node: process.version, cpu: cpus()[0]?.model ?? "cpu", cores: cpus().length, load: loadavg() };
}

export function printResult(result: ScenarioResult, options: BenchOptions): void {
  const header = ["case", "figure", "baseline", "ratio", "target", "met", "detail"];
  const lines = result.rows.map((r) => [
    r.name,
    `${format(r.value)} ${r.unit}`,
    `${format(r.baseline)} (${r.baselineName})`,
    `${format(r.ratio)}×`,
    r.target ?? "",
    r.met === undefined ? "" : r.met ? "yes" : "NO",
    r.detail ?? "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const print = (cells: string[]) => console.log(cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  "));
  const { node, cpu, cores, load } = machine();
  console.log(
    `\n== ${result.scenario} (${options.mode}) — node ${node}, ${cores}× ${cpu}, load ${load.map((l) => l.toFixed(2)).join(" ")}`,
  );
  print(header);
  for (const line of lines) print(line);
  for (const note of result.notes) console.log(`  note: ${note}`);
}

/** Writes the result as bench/results/<scenario>-<timestamp>.json and returns the file's path. */
export function writeResult(result: ScenarioResult, options: BenchOptions): string {
  const date = new Date().toISOString();
  const dir = new URL("../results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`${result.scenario}-${date.replace(/[:.]/g, "-")}.json`, dir);
  writeFileSync(
    file,
    `${JSON.stringify({ date, mode: options.mode, machine: machine(), ...result }, null, 2)}\n`,
  );
  return file.pathname;
}

export type Scenario = (options: BenchOptions) => Promise<ScenarioResult>;

/** Runs, prints and records one scenario. */
export async function runScenario(scenario: Scenario, options: BenchOptions): Promise<ScenarioResult> {
  const result = await scenario(options);
  printResult(result, options);
  console.log(`  wrote ${writeResult(result, options)}`);
  return result;
}

/** `node --import tsx bench/<scenario>.ts [--quick]` runs that scenario alone. */
export async function runIfMain(moduleUrl: string, scenario: Scenario): Promise<void> {
  if (process.argv[1] && moduleUrl === pathToFileURL(process.argv[1]).href) {
    await runScenario(scenario, optionsFromArgv());
  }
}
