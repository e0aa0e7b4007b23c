import assert from "node:assert/strict";
import { test } from "node:test";
import { auth } from "../../bench/auth.ts";
import { connections } from "../../bench/connections.ts";
import { fanout } from "../../bench/fanout.ts";
import { history } from "../../bench/history.ts";
import { latency } from "../../bench/latency.ts";
import type { Scenario } from "../../bench/lib/report.ts";
import { rest } from "../../bench/rest.ts";
import { singleSocket } from "../../bench/single-socket.ts";
import { sustained } from "../../bench/sustained.ts";
import { throughput } from "../../bench/throughput.ts";

// Each scenario at tiny sizes, only to prove it runs end to end; its figures are not checked.
const scenarios: Record<string, Scenario> = {
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

for (const [name, scenario] of Object.entries(scenarios)) {
  test(`the ${name} benchmark runs`, async () => {
    const result = await scenario({ mode: "smoke" });
    assert.equal(result.scenario, name);
    assert.ok(result.rows.length > 0);
    for (const row of result.rows) {
      // Finite, not positive: at tiny sizes a memory delta may be zero or negative (connections).
      assert.ok(Number.isFinite(row.value), `${row.name}: ${row.value}`);
      assert.ok(Number.isFinite(row.baseline), `${row.name} baseline: ${row.baseline}`);
    }
  });
}
