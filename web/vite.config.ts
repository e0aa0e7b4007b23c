/**
 * The web client's build: web/ → dist/web (served by `certchat serve` at `/`, src/server/http/static-client.ts).
 * JSX is compiled for Preact by Vite's own transformer (no preset plugin needed); assets carry content hashes.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // One chunk for the app: the SDK (pkijs, GOST code) is most of it and every screen needs it.
    chunkSizeWarningLimit: 2048,
    // No inline <script> or data: modules under the CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080", "/socket.io": { target: "ws://127.0.0.1:8080", ws: true } },
  },
});
