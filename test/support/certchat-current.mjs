#!/usr/bin/env node
// The `certchat` command of this source, for tests and the resilience suite: the compiled dist/ when it was
// compiled from exactly this source (its stamp matches, scripts/source-stamp.mjs: so in CI, where `npm ci`
// builds it), which starts in a third of the CPU time (no tsx hooks in it and in its worker threads); else
// the TypeScript through tsx, as certchat-from-source.mjs (which benchmarks keep, to compare like with like).
import { distIsCurrent } from "../../scripts/source-stamp.mjs";

if (distIsCurrent()) await import("../../dist/cli/main.js");
else await import("./certchat-from-source.mjs");
