import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as pkijs from "pkijs";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const sdkEntry = join(repo, "src/client/index.ts");

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;

/** Every module reachable from `entry` through relative imports (type-only ones too), and the bare ones named. */
function importGraph(entry: string): { files: string[]; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    for (const [, specifier = ""] of readFileSync(file, "utf8").matchAll(IMPORT)) {
      if (specifier.startsWith(".")) pending.push(resolve(dirname(file), specifier));
      else packages.set(specifier, relative(repo, file));
    }
  }
  return { files: [...files].map((file) => relative(repo, file)), packages };
}

test("nothing the SDK imports is under src/server", () => {
  const { files } = importGraph(sdkEntry);
  assert.ok(files.includes("src/pki/create-pki.ts"), "the walk follows the SDK into src/pki");
  assert.deepEqual(
    files.filter((file) => file.startsWith("src/server/")),
    [],
  );
});

test("nothing the SDK imports needs Node: no node: or built-in modules, no Buffer", () => {
  const { files, packages } = importGraph(sdkEntry);
  const builtins = new Set(builtinModules);
  const nodeImports = [...packages].filter(([name]) => name.startsWith("node:") || builtins.has(name));
  assert.deepEqual(nodeImports, []);
  const usingBuffer = files.filter((file) => /\bBuffer\.\w/.test(readFileSync(join(repo, file), "utf8")));
  assert.deepEqual(usingBuffer, []);
});

test("importing the SDK leaves pkijs's process-wide engine as it was", async () => {
  const before = pkijs.getEngine();
  const sdk = await import("../../src/client/index.ts");
  const { createPki } = await import("../../src/pki/create-pki.ts");
  createPki();
  sdk.signatureVerifier();
  const after = pkijs.getEngine();
  assert.equal(after.name, before.name);
  assert.equal(after.crypto, before.crypto);
});
