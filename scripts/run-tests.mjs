#!/usr/bin/env node
// Runs every test file under test/ (or the folders/files given) with node:test and the tsx loader.
// Node 20's --test does not expand globs, so the files are listed here.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith(".test.ts") ? [path] : [];
  return readdirSync(path)
    .sort()
    .flatMap((name) => collect(join(path, name)));
}

const roots = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const flags = process.argv.slice(2).filter((a) => a.startsWith("-"));
const files = (roots.length > 0 ? roots : ["test"]).flatMap(collect);
// Given no files, node --test would search the whole working tree instead.
if (files.length === 0) {
  console.error(`no test files under ${roots.join(", ") || "test"}`);
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", ...flags, ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
