/**
 * Summarises a V8 CPU profile (`--cpu-prof`, e.g. a server child run with BENCH_SERVER_PROF=<dir>): the
 * functions with the most self time, and self time per package or source directory.
 * Run: node --import tsx bench/profile-top.ts <file.cpuprofile> [rows]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package> or the first two directories of a project path, "(native)" for V8 and Node. */
function ownerOf(url: string): string {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inModules?.[1]) return inModules[1];
  const inProject = /\/(src|bench|test)\/([^/]+)/.exec(url);
  if (inProject) return `${inProject[1]}/${inProject[2]}`;
  return url.startsWith("node:") ? url : "(native)";
}

function top(totals: Map<string, number>, rows: number, all: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([name, micros]) => `${((micros / all) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error("usage: profile-top.ts <file.cpuprofile> [rows]");
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const frame = nodes.get(id)?.callFrame;
  const micros = profile.timeDeltas[i] ?? 0;
  if (!frame) return;
  all += micros;
  const where = frame.url
    ? `${frame.url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${frame.lineNumber + 1}`
    : "";
  const name = `${frame.functionName || "(anonymous)"} ${where}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  byOwner.set(ownerOf(frame.url), (byOwner.get(ownerOf(frame.url)) ?? 0) + micros);
});
console.log(`${(all / 1e6).toFixed(1)} s sampled\n\nself time by function:`);
for (const line of top(byFunction, rows, all)) console.log(line);
console.log("\nself time by package / directory:");
for (const line of top(byOwner, rows, all)) console.log(line);
