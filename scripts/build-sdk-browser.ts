/**
 * `npm run build:sdk-browser`: writes the SDK's browser bundle to dist/browser/certchat-client.js and prints
 * its size, raw and gzipped.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { bundleSdkForBrowser, SdkBrowserBundleError } from "./sdk-browser-bundle.ts";

const OUT_DIR = new URL("../dist/browser/", import.meta.url);
const OUT_FILE = new URL("certchat-client.js", OUT_DIR);

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

try {
  const bundle = await bundleSdkForBrowser();
  await mkdir(OUT_DIR, { recursive: true });
  await writeFile(OUT_FILE, bundle.code);
  console.log(
    `dist/browser/certchat-client.js: ${kib(bundle.code.byteLength)} (${bundle.code.byteLength} bytes), ` +
      `${kib(bundle.gzippedBytes)} gzipped`,
  );
} catch (error) {
  if (!(error instanceof SdkBrowserBundleError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
