/**
 * The SDK (`src/client/index.ts`) bundled for browsers by esbuild: one minified ES module with its
 * dependencies inside. Used by `npm run build:sdk-browser` and by the browser test (test/browser).
 */
import { gzipSync } from "node:zlib";
import { build, type Message } from "esbuild";

export const SDK_ENTRY = new URL("../src/client/index.ts", import.meta.url).pathname;

export interface SdkBrowserBundle {
  /** The bundle's JavaScript (an ES module). */
  code: Uint8Array;
  /** Its size gzipped (level 9), as a web server would send it. */
  gzippedBytes: number;
}

/** The bundle could not be built; `message` lists each import esbuild could not resolve for a browser. */
export class SdkBrowserBundleError extends Error {
  constructor(readonly errors: Message[]) {
    const lines = errors.map((error) => {
      const where = error.location ? `${error.location.file}:${error.location.line}` : "(unknown file)";
      return `  ${where}: ${error.text}`;
    });
    super(`the SDK cannot be bundled for browsers (${errors.length} errors):\n${lines.join("\n")}`);
    this.name = "SdkBrowserBundleError";
  }
}

export async function bundleSdkForBrowser(): Promise<SdkBrowserBundle> {
  const result = await build({
    entryPoints: [SDK_ENTRY],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    logLevel: "silent",
  }).catch((error: unknown) => {
    const errors = (error as { errors?: Message[] }).errors;
    throw errors ? new SdkBrowserBundleError(errors) : error;
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("esbuild produced no output for the SDK bundle");
  return { code: file.contents, gzippedBytes: gzipSync(file.contents, { level: 9 }).byteLength };
}
