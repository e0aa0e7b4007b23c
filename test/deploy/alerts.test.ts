import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { toolSkip } from "../support/tools.ts";

const rules = fileURLToPath(new URL("../../deploy/alerts.yml", import.meta.url));
const ruleTests = fileURLToPath(new URL("../../deploy/alerts.test.yml", import.meta.url));

function promtool(args: string[]): { status: number | null; output: string } {
  const run = spawnSync("promtool", args, { encoding: "utf8", timeout: 60_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("deploy/alerts.yml", { skip: toolSkip("promtool") }, () => {
  test("promtool check rules accepts every rule", () => {
    const { status, output } = promtool(["check", "rules", rules]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS: 8 rules found/);
  });

  test("promtool test rules: each alert fires for a lasting fault and not for a blip (deploy/alerts.test.yml)", () => {
    const { status, output } = promtool(["test", "rules", ruleTests]);
    assert.equal(status, 0, output);
    assert.match(output, /SUCCESS/);
  });
});
