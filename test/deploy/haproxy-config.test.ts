import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { toolSkip } from "../support/tools.ts";

const config = fileURLToPath(new URL("../../deploy/haproxy.cfg", import.meta.url));

describe("deploy/haproxy.cfg", { skip: toolSkip("haproxy", ["-v"]) }, () => {
  test("haproxy -c accepts the committed production example as it is", () => {
    const run = spawnSync("haproxy", ["-c", "-f", config], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    assert.match(`${run.stdout}${run.stderr}`, /Configuration file is valid/);
  });
});
