#!/usr/bin/env node
// The `certchat` command from source, for tests, benchmarks and the resilience suite: bin/certchat.js runs the
// compiled dist/, which may be stale or absent while the source is being changed.
import { register } from "tsx/esm/api";

register();
await import("../../src/cli/main.ts");
