/**
 * Runs every scenario one after another, each printing its table, then the issue-16 targets, and writes the
 * run's JSON to bench/results/<timestamp>.json.
 * Run: npm run bench [-- --quick] [--pinned] [--repeat N] [--only fanout,latency]
 * (one scenario alone: node --import tsx bench/<scenario>.ts [same flags])
 */
import { optionsFromArgv } from "./lib/options.ts";
import { runScenarios } from "./lib/report.ts";
import { scenarios } from "./scenarios.ts";

const options = optionsFromArgv();
const unknown = (options.only ?? []).filter((name) => !(name in scenarios));
if (unknown.length > 0)
  throw new Error(`no scenario ${unknown.join(", ")}: ${Object.keys(scenarios).join(", ")}`);
const chosen = Object.entries(scenarios).filter(([name]) => !options.only || options.only.includes(name));
await runScenarios(
  chosen.map(([, scenario]) => scenario),
  options,
);
