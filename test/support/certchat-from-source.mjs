#!/usr/bin/env node
// The `certchat` command from source, for tests, benchmarks and the resilience suite: bin/certchat.js runs the
// compiled dist/, which may be stale or absent while the source is being changed. Started as `node --import
// tsx` (the benchmarks' children), tsx is registered already: a second registration would run every import
// through its hooks twice (a third more start-up CPU, docs/PERFORMANCE.md "Node start time").
const tsxPreloaded = process.execArgv.some(
  (arg, i, all) => arg === "--import=tsx" || (arg === "--import" && all[i + 1] === "tsx"),
);
if (!tsxPreloaded) (await import("tsx/esm/api")).register();
await import("../../src/cli/main.ts");
