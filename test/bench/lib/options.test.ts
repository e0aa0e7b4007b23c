import assert from "node:assert/strict";
import { test } from "node:test";
import { optionsFromArgv } from "../../../bench/lib/options.ts";

test("no flags give a full, unpinned run of every scenario once", () => {
  assert.deepEqual(optionsFromArgv([]), { mode: "full", pinned: false, repeat: 1 });
});

test("--quick, --pinned, --repeat and --only are read in either spelling", () => {
  assert.deepEqual(optionsFromArgv(["--quick", "--pinned", "--repeat", "3", "--only=fanout,latency"]), {
    mode: "quick",
    pinned: true,
    repeat: 3,
    only: ["fanout", "latency"],
  });
});

test("a --repeat that is not a whole number from 1 to 20 is refused", () => {
  assert.throws(() => optionsFromArgv(["--repeat", "0"]), /--repeat/);
  assert.throws(() => optionsFromArgv(["--repeat=x"]), /--repeat/);
});

test("--explain-tails asks latency to trace the servers' pauses", () => {
  assert.equal(optionsFromArgv(["--explain-tails"]).explainTails, true);
});

test("--per-chat has reconnect-storm's sockets catch up with subscribe + messages per chat", () => {
  assert.equal(optionsFromArgv(["--per-chat"]).perChat, true);
  assert.equal(optionsFromArgv([]).perChat, undefined);
});

test("--server-env passes CERTCHAT_ settings to the servers a scenario starts", () => {
  assert.deepEqual(
    optionsFromArgv(["--server-env", "CERTCHAT_DRAIN_SOCKETS_PER_SECOND=0,CERTCHAT_LOG_LEVEL=info"])
      .serverEnv,
    {
      CERTCHAT_DRAIN_SOCKETS_PER_SECOND: "0",
      CERTCHAT_LOG_LEVEL: "info",
    },
  );
  assert.throws(() => optionsFromArgv(["--server-env", "PATH=/tmp"]), /--server-env/);
});

test("--rolling-cores shared puts both rolling nodes on the server core; anything but shared or split is refused", () => {
  assert.equal(optionsFromArgv(["--rolling-cores", "shared"]).rollingCores, "shared");
  assert.equal(optionsFromArgv(["--rolling-cores=split"]).rollingCores, "split");
  assert.equal(optionsFromArgv([]).rollingCores, undefined);
  assert.throws(() => optionsFromArgv(["--rolling-cores", "both"]), /--rolling-cores/);
});
