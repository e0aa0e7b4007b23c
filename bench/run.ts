/**
 * Runs every scenario one after another, each printing its table and writing its JSON to bench/results/.
 * Run: npm run bench [-- --quick]   (one scenario alone: node --import tsx bench/<scenario>.ts [--quick])
 */
import { auth } from "./auth.ts";
import { connections } from "./connections.ts";
import { fanout } from "./fanout.ts";
import { history } from "./history.ts";
import { latency } from "./latency.ts";
import { optionsFromArgv } from "./lib/options.ts";
import { runScenario, type Scenario } from "./lib/report.ts";
import { rest } from "./rest.ts";
import { throughput } from "./throughput.ts";

export const scenarios: Record<string, Scenario> = {
  history,
  rest,
  auth,
  throughput,
  latency,
  fanout,
  connections,
};

const options = optionsFromArgv();
for (const scenario of Object.values(scenarios)) await runScenario(scenario, options);
