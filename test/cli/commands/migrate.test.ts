import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli, tempDataDir } from "../../support/cli.ts";

test("migrate applies the migrations once and then reports the database up to date", async () => {
  const env = { CERTCHAT_DATA_DIR: tempDataDir() };
  const first = await runCli(["migrate"], env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /applied 0001-identity/);
  const second = await runCli(["migrate"], env);
  assert.match(second.stdout, /up to date/);
});
