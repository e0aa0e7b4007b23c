import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { toolSkip } from "../../support/tools.ts";

const promptModule = new URL("../../../src/cli/user/prompt.ts", import.meta.url).pathname;
const SECRET = "пароль-123";

/**
 * Runs a script asking `askSecret` in a pseudo-terminal (util-linux `script`), types the secret once the
 * question is shown, and returns everything the terminal showed.
 */
async function terminalSession(): Promise<string> {
  const program = `import { askSecret } from ${JSON.stringify(promptModule)};
    const answer = await askSecret("PFX password: ");
    console.log("answer length " + answer.length);`;
  const command = `${process.execPath} --import tsx --input-type=module -e '${program}'`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "inherit"] });
  let shown = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    if (!shown.includes("PFX password: ") && (shown + chunk).includes("PFX password: "))
      child.stdin.write(`${SECRET}\r`);
    shown += chunk;
  });
  await new Promise((resolve) => child.once("exit", resolve));
  return shown;
}

test("a PFX password typed at a terminal is read but not shown", { skip: toolSkip("script") }, async () => {
  const shown = await terminalSession();
  assert.match(shown, new RegExp(`answer length ${SECRET.length}`));
  assert.ok(!shown.includes(SECRET), shown);
});
