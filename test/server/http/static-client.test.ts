import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import Fastify, { type FastifyInstance } from "fastify";
import { installErrorHandling } from "../../../src/server/http/error-handler.ts";
import { contentSecurityPolicy, registerStaticClient } from "../../../src/server/http/static-client.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-static-client-");
const INDEX = '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>';
const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});`;

describe("the web client served at /", () => {
  let app: FastifyInstance;
  let served: number;

  before(async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), INDEX);
    await writeFile(join(dir, "favicon.svg"), "<svg/>");
    await writeFile(join(dir, "assets", "index-abc123.js"), SCRIPT);
    app = Fastify();
    installErrorHandling(app);
    app.post("/api/profile", async () => ({ success: true, data: {} }));
    served = await registerStaticClient(app, dir);
    await app.ready();
  });
  after(() => app.close());

  it("registers a route for each built file and one for /", () => {
    assert.equal(served, 4);
  });

  it("serves index.html at / revalidated on every load, with the CSP naming the page's host for sockets", async () => {
    const reply = await app.inject({ method: "GET", url: "/", headers: { host: "chat.example:8080" } });
    assert.equal(reply.statusCode, 200);
    assert.equal(reply.body, INDEX);
    assert.equal(reply.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(reply.headers["cache-control"], "no-cache");
    assert.equal(reply.headers["content-security-policy"], contentSecurityPolicy("chat.example:8080"));
    assert.match(
      String(reply.headers["content-security-policy"]),
      /connect-src 'self' ws:\/\/chat\.example:8080 wss:\/\/chat\.example:8080;/,
    );
  });

  it("serves hashed assets as immutable for a year", async () => {
    const reply = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    assert.equal(reply.statusCode, 200);
    assert.equal(reply.headers["cache-control"], "public, max-age=31536000, immutable");
    assert.equal(reply.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(reply.body, SCRIPT);
  });

  it("sends the gzipped copy to a client that accepts gzip", async () => {
    const reply = await app.inject({
      method: "GET",
      url: "/assets/index-abc123.js",
      headers: { "accept-encoding": "gzip, br" },
    });
    assert.equal(reply.headers["content-encoding"], "gzip");
    assert.equal(gunzipSync(reply.rawPayload).toString(), SCRIPT);
  });

  it("leaves the API's paths to the API", async () => {
    const api = await app.inject({ method: "POST", url: "/api/profile" });
    assert.deepEqual(api.json(), { success: true, data: {} });
    const unknown = await app.inject({ method: "GET", url: "/api/nothing" });
    assert.deepEqual(unknown.json(), { success: false, error: "MethodNotFound" });
  });

  it("answers a path outside the build with MethodNotFound, not the page", async () => {
    const reply = await app.inject({ method: "GET", url: "/assets/other.js" });
    assert.equal(reply.statusCode, 404);
    assert.deepEqual(reply.json(), { success: false, error: "MethodNotFound" });
  });
});

describe("the CSP", () => {
  it("allows no inline script or style and no other origin", () => {
    const policy = contentSecurityPolicy("127.0.0.1:8080");
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self';/);
    assert.match(policy, /frame-ancestors 'none'/);
  });

  it("names no socket URL for a Host header that is not a plain host", () => {
    assert.match(contentSecurityPolicy("evil.example; script-src *"), /connect-src 'self';/);
  });
});

describe("registerStaticClient without a build", () => {
  it("registers nothing when the directory has no index.html", async () => {
    const app = Fastify();
    const empty = join(await tempDir(), "empty");
    await mkdir(empty);
    assert.equal(await registerStaticClient(app, empty), 0);
    assert.equal(await registerStaticClient(app, undefined), 0);
    await app.close();
  });
});
