import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { toolSkip } from "../support/tools.ts";

const config = fileURLToPath(new URL("../../deploy/haproxy.cfg", import.meta.url));

/** The directives of one section (`defaults`, `backend certchat_nodes`, …), comments and blank lines left out. */
function directivesOf(section: string): string[] {
  const directives: string[] = [];
  let current = "";
  for (const line of readFileSync(config, "utf8").split("\n")) {
    const text = line.replace(/#.*/, "").trim();
    if (!text) continue;
    if (/^(global|defaults|frontend|backend|listen)\b/.test(line)) current = text;
    else if (current === section) directives.push(text.replace(/\s+/g, " "));
  }
  return directives;
}

describe("deploy/haproxy.cfg", () => {
  test("haproxy -c accepts the committed production example as it is", {
    skip: toolSkip("haproxy", ["-v"]),
  }, () => {
    const run = spawnSync("haproxy", ["-c", "-f", config], { encoding: "utf8", timeout: 30_000 });
    assert.equal(run.status, 0, `${run.stdout}${run.stderr}`);
    assert.match(`${run.stdout}${run.stderr}`, /Configuration file is valid/);
  });

  // A closing node answers 503 to a request it did not run (src/server/http/closing.ts); without these lines
  // HAProxy passed that 503 on to the client (docs/DECISIONS.md §17).
  test("a request a node did not run (a refused connection, a closing node's 503) is sent again to another node, and nothing a node may have run is", () => {
    const defaults = directivesOf("defaults");
    const retryOn = defaults.filter((line) => line.startsWith("retry-on "));
    assert.deepEqual(retryOn, ["retry-on conn-failure 503"]);
    assert.ok(defaults.includes("option redispatch 1"), "redispatch on every retry");
    assert.ok(
      defaults.some((line) => /^retries [1-9]/.test(line)),
      "at least one retry",
    );
    for (const section of ["backend certchat_nodes", "frontend certchat"])
      assert.deepEqual(
        directivesOf(section).filter((line) => /^(retries|retry-on|(no )?option redispatch)\b/.test(line)),
        [],
        `${section} keeps the defaults' retry lines`,
      );
  });
});
