#!/usr/bin/env node
// Entry point for the `certchat` command: runs the compiled CLI in dist/ (`npm run build`; `npm ci` builds it).
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("certchat: dist/ is not built; run `npm run build` in the repository first");
  process.exit(1);
}
await import(main.href);
