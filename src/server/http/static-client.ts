/**
 * The web client (web/, built by Vite into dist/web) served at `/`. The build is a handful of files: they are
 * read into memory once at start-up; each text file is gzipped on its first request that accepts gzip (not at
 * start-up: servers start often in tests, and most never serve the page). Vite names every asset after its
 * content hash, so /assets/* are cached for a year as immutable; index.html is revalidated on every load so a
 * new build is picked up at once. Every answer carries a strict Content-Security-Policy (docs/WEB.md): scripts
 * and styles only from this origin (no inline code), connections only to this origin's API and socket.
 * Only GET routes for the built files are registered: /api/*, /socket.io/ and the health routes are untouched.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Where `npm run build:web` writes: dist/web, seen from dist/server/http (compiled) or src/server/http. */
const CANDIDATE_DIRS = ["../../web/", "../../../dist/web/"].map((path) =>
  fileURLToPath(new URL(path, import.meta.url)),
);

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".woff2": "font/woff2",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);
/** A Host header we are willing to echo into the CSP: a name or address with an optional port. */
const PLAIN_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

interface ClientFile {
  body: Buffer;
  compressible: boolean;
  gzipped?: Buffer;
  contentType: string;
  cacheControl: string;
}

/** The built client's directory (the one holding index.html), or undefined when it was not built. */
export function findBuiltClient(): string | undefined {
  return CANDIDATE_DIRS.find((dir) => existsSync(join(dir, "index.html")));
}

/**
 * The Content-Security-Policy of every page: `connect-src` names the socket's ws:/wss: URLs of the host the
 * page was loaded from (older browsers do not extend 'self' to WebSockets).
 */
export function contentSecurityPolicy(host: string | undefined): string {
  const sockets = host && PLAIN_HOST.test(host) ? ` ws://${host} wss://${host}` : "";
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Registers a GET route for each file of the built client in `dir` (index.html also at `/`). Returns the
 * number of files served; 0 (nothing registered) when `dir` holds no index.html.
 */
export async function registerStaticClient(app: FastifyInstance, dir: string | undefined): Promise<number> {
  if (!dir || !existsSync(join(dir, "index.html"))) return 0;
  const files = new Map<string, ClientFile>();
  for (const path of await listFiles(dir)) {
    const urlPath = `/${relative(dir, path).split(sep).join("/")}`;
    const extension = extname(path);
    const body = await readFile(path);
    files.set(urlPath, {
      body,
      compressible: COMPRESSIBLE.has(extension) && body.length > 1024,
      contentType: CONTENT_TYPES[extension] ?? "application/octet-stream",
      cacheControl: urlPath.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
    });
  }
  const index = files.get("/index.html");
  if (index) files.set("/", index);
  for (const [urlPath, file] of files) {
    app.get(urlPath, { schema: { hide: true } }, (request, reply) => send(request, reply, file));
  }
  return files.size;
}

function send(request: FastifyRequest, reply: FastifyReply, file: ClientFile): FastifyReply {
  reply
    .header("content-type", file.contentType)
    .header("cache-control", file.cacheControl)
    .header("content-security-policy", contentSecurityPolicy(request.headers.host))
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("vary", "accept-encoding");
  const acceptsGzip = /\bgzip\b/.test(String(request.headers["accept-encoding"] ?? ""));
  if (file.compressible && acceptsGzip) {
    file.gzipped ??= gzipSync(file.body, { level: 9 });
    return reply.header("content-encoding", "gzip").send(file.gzipped);
  }
  return reply.send(file.body);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
