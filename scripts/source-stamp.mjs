#!/usr/bin/env node
// Which source dist/ was compiled from, so that test/support/certchat-current.mjs may run the compiled CLI
// (a third of the start-up CPU of the TypeScript through tsx) when, and only when, it is this very source.
// `npm run build`: `pending` before tsc takes the stamp of the source being compiled, `commit` after tsc
// succeeded makes it dist/'s; a failed or interrupted build leaves dist/ without a stamp.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const stampFile = join(root, "dist", ".source-stamp");
const pendingFile = `${stampFile}.pending`;

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** SHA-256 over every file under src/ and the compiler settings: names and contents. */
export function sourceStamp() {
  const hash = createHash("sha256");
  for (const file of [
    ...filesUnder(join(root, "src")),
    join(root, "tsconfig.json"),
    join(root, "tsconfig.build.json"),
  ]) {
    hash.update(`${relative(root, file)}\0`);
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** True when dist/ holds the compiled form of the source as it is now. */
export function distIsCurrent() {
  try {
    return readFileSync(stampFile, "utf8") === sourceStamp();
  } catch {
    return false;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const step = process.argv[2];
  if (step === "pending") {
    rmSync(stampFile, { force: true });
    mkdirSync(join(root, "dist"), { recursive: true }); // a fresh checkout has none yet
    writeFileSync(pendingFile, sourceStamp());
  } else if (step === "commit") {
    renameSync(pendingFile, stampFile);
  } else {
    console.error("usage: source-stamp.mjs pending|commit");
    process.exit(2);
  }
}
