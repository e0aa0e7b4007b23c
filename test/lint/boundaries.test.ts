/**
 * The layer boundaries in biome.jsonc (`noRestrictedImports` per folder): probe files with one import each are
 * linted in a temporary copy of the configuration, so each rule is seen to fail on a violation and to let the
 * allowed imports through. Nothing is written inside the repository.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { useTempDir } from "../support/temp-dir.ts";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const biome = join(repo, "node_modules/.bin/biome");
const tempDir = useTempDir("certchat-boundaries-");

/** Probe file (path inside the repository) -> the one module it imports. */
const probes = {
  clientToServer: ["src/client/probe.ts", "../server/verification/login-check.ts"],
  nestedClientToServer: ["src/client/crypto/probe.ts", "../../server/verification/login-check.ts"],
  clientToProtocol: ["src/client/probe-protocol.ts", "../protocol/errors.ts"],
  pkiToServer: ["src/pki/probe.ts", "../server/verification/gost-engine.ts"],
  pkiToCrypto: ["src/pki/probe-crypto.ts", "../crypto/gost/streebog.ts"],
  httpToStorage: ["src/server/http/routes/probe.ts", "../../storage/repositories/executor.ts"],
  realtimeToStorage: ["src/server/realtime/probe.ts", "../storage/database.ts"],
  httpToServices: ["src/server/http/routes/probe-services.ts", "../../services/auth.ts"],
  protocolToPackage: ["src/protocol/probe.ts", "pino"],
  protocolToPhoneLibrary: ["src/protocol/schemas/probe-phone.ts", "libphonenumber-js/max"],
  protocolToNode: ["src/protocol/schemas/probe-node.ts", "node:crypto"],
  protocolOutOfFolder: ["src/protocol/probe-out.ts", "../server/config.ts"],
  nestedProtocolOutOfFolder: ["src/protocol/schemas/probe-out.ts", "../../client/api.ts"],
  protocolToTypebox: ["src/protocol/probe-typebox.ts", "@sinclair/typebox"],
  protocolToTypeboxSubpath: ["src/protocol/schemas/probe-typebox.ts", "@sinclair/typebox/value"],
  protocolInsideFolder: ["src/protocol/schemas/probe-inside.ts", "../errors.ts"],
} as const satisfies Record<string, readonly [string, string]>;

type Probe = keyof typeof probes;

/** The probe files the boundary rule flagged, found by one Biome run over all of them. */
let flagged: Set<string>;

function runBiome(cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // No git repository in the copy: the configuration's VCS integration is switched off for this run.
    const child = spawn(
      biome,
      ["lint", "--vcs-enabled=false", "--reporter=github", "--max-diagnostics=none", "."],
      {
        cwd,
      },
    );
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", () => resolve(stdout));
  });
}

before(async () => {
  const dir = await tempDir();
  await copyFile(join(repo, "biome.jsonc"), join(dir, "biome.jsonc"));
  for (const [path, specifier] of Object.values(probes)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(
      join(dir, path),
      `import * as probe from "${specifier}";\n\nexport const imported = probe;\n`,
    );
  }
  const output = await runBiome(dir);
  flagged = new Set(
    output
      .split("\n")
      .filter((line) => line.includes("title=lint/style/noRestrictedImports,"))
      .map((line) => /file=([^,]+),/.exec(line)?.[1] ?? "")
      .map((file) => file.slice(dir.length + 1)),
  );
});

function isFlagged(probe: Probe): boolean {
  return flagged.has(probes[probe][0]);
}

describe("layer boundaries (biome.jsonc)", () => {
  it("refuses an import of src/server from src/client", () => {
    assert.ok(isFlagged("clientToServer"));
  });

  it("refuses an import of src/server from a subfolder of src/client", () => {
    assert.ok(isFlagged("nestedClientToServer"));
  });

  it("lets src/client import src/protocol", () => {
    assert.ok(!isFlagged("clientToProtocol"));
  });

  it("refuses an import of src/server from src/pki", () => {
    assert.ok(isFlagged("pkiToServer"));
  });

  it("lets src/pki import src/crypto", () => {
    assert.ok(!isFlagged("pkiToCrypto"));
  });

  it("refuses an import of src/server/storage from src/server/http", () => {
    assert.ok(isFlagged("httpToStorage"));
  });

  it("refuses an import of src/server/storage from src/server/realtime", () => {
    assert.ok(isFlagged("realtimeToStorage"));
  });

  it("lets src/server/http import src/server/services", () => {
    assert.ok(!isFlagged("httpToServices"));
  });

  it("refuses a package other than the schema and phone libraries in src/protocol", () => {
    assert.ok(isFlagged("protocolToPackage"));
  });

  it("lets src/protocol import libphonenumber-js (phone normalisation is part of the protocol)", () => {
    assert.ok(!isFlagged("protocolToPhoneLibrary"));
  });

  it("refuses a node: module in a subfolder of src/protocol", () => {
    assert.ok(isFlagged("protocolToNode"));
  });

  it("refuses a relative import that leaves src/protocol", () => {
    assert.ok(isFlagged("protocolOutOfFolder"));
  });

  it("refuses a relative import that leaves src/protocol from a subfolder", () => {
    assert.ok(isFlagged("nestedProtocolOutOfFolder"));
  });

  it("lets src/protocol import @sinclair/typebox and its subpaths", () => {
    assert.ok(!isFlagged("protocolToTypebox"));
    assert.ok(!isFlagged("protocolToTypeboxSubpath"));
  });

  it("lets a subfolder of src/protocol import a file of src/protocol", () => {
    assert.ok(!isFlagged("protocolInsideFolder"));
  });
});
