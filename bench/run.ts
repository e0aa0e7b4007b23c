/**
 * Runs every scenario one after another, each printing its table, then the issue-16 targets, and writes the
 * run's JSON to bench/results/<timestamp>.json.
 * Run: npm run bench [-- --quick] [--pinned] [--repeat N] [--only fanout,latency]
 * (one scenario alone: node --import tsx bench/<scenario>.ts [same flags])
 */
import { auth } from "./auth.ts";
import { connections } from "./connections.ts";
import { fanout } from "./fanout.ts";
import { history } from "./history.ts";
import { latency } from "./latency.ts";
import { optionsFromArgv } from "./lib/options.ts";
import { runScenarios, type Scenario } from "./lib/report.ts";
import { rest } from "./rest.ts";
import { singleSocket } from "./single-socket.ts";
import { sustained } from "./sustained.ts";
import { throughput } from "./throughput.ts";

export const scenarios: Record<string, Scenario> = {
  history,
  rest,
  auth,
  throughput,
  "single-socket": singleSocket,
  latency,
  sustained,
  fanout,
  connections,
};

const options = optionsFromArgv();
const unknown = (options.only ?? []).filter((name) => !(name in scenarios));
if (unknown.length > 0)
  throw new Error(`no scenario ${unknown.join(", ")}: ${Object.keys(scenarios).join(", ")}`);
const chosen = Object.entries(scenarios).filter(([name]) => !options.only || options.only.includes(name));
await runScenarios(
  chosen.map(([, scenario]) => scenario),
  options,
);
