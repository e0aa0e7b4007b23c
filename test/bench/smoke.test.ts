import assert from "node:assert/strict";
import { test } from "node:test";
import { scenarios } from "../../bench/scenarios.ts";

// Each scenario at tiny sizes, only to prove it runs end to end; its figures are not checked. So its certchat
// children may run the compiled CLI when dist/ is this source's (bench/lib/certchat-child.ts): a start is
// seconds of CPU less than through tsx, and this file starts dozens.
process.env.BENCH_CERTCHAT = "current";

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
