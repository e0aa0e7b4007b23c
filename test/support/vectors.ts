import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/**
 * The shared public test vectors live beside the repository (`../shared/vectors`), in CI as in a session.
 * CERTCHAT_VECTORS overrides the location.
 */
export const vectorsDir =
  process.env.CERTCHAT_VECTORS ?? fileURLToPath(new URL("../../../shared/vectors/", import.meta.url));

export function vectorPath(relative: string): string {
  return `${vectorsDir.replace(/\/$/, "")}/${relative}`;
}

export function readVector(relative: string): Buffer {
  return readFileSync(vectorPath(relative));
}

export function readVectorJson<T>(relative: string): T {
  return JSON.parse(readVector(relative).toString("utf8")) as T;
}
