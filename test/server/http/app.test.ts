import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { apiMethods, JSON_OR_FORM } from "../../../src/protocol/routes.ts";
import { startTestServer, type TestServer } from "../../support/server.ts";

interface OpenApiOperation {
  requestBody?: { content: Record<string, unknown> };
  security?: unknown;
}

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, { post?: OpenApiOperation; get?: OpenApiOperation }>;
}

describe("HTTP layer", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { CERTCHAT_MAX_BODY_BYTES: "64KiB" } });
  });
  after(async () => server.close());

  const openApiDocument = async () =>
    (await (await fetch(`${server.url}/docs/openapi.json`)).json()) as OpenApiDocument;

  test("malformed JSON is InvalidSchema with HTTP 200", async () => {
    const reply = await server.post("/api/auth/", '{"cert": ');
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("a JSON body with __proto__ is InvalidSchema", async () => {
    const reply = await server.post("/api/auth/", '{"cert":"AAAA","sign":"AAAA","__proto__":{"admin":true}}');
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("an empty JSON body counts as an empty object", async () => {
    const reply = await server.post("/api/profile/", "", { headers: { "content-type": "application/json" } });
    assert.deepEqual(reply.body, { success: false, error: "NeedAuthentication" });
  });

  test("a field of the wrong type is InvalidSchema", async () => {
    const reply = await server.post("/api/auth/", { cert: { nested: true }, sign: ["x"] });
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("a JSON array instead of an object is InvalidSchema", async () => {
    const reply = await server.post("/api/auth/", "[1,2,3]");
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("an unsupported content type is InvalidSchema", async () => {
    const reply = await server.post("/api/auth/", "cert=x", { headers: { "content-type": "text/plain" } });
    assert.deepEqual(reply.body, { success: false, error: "InvalidSchema" });
  });

  test("a body over the size limit is refused with 413 and the envelope", async () => {
    const reply = await server.post("/api/auth/", { cert: "A".repeat(70_000), sign: "AAAA" });
    assert.equal(reply.status, 413);
    assert.deepEqual(reply.body, { success: false, error: "DataError" });
  });

  test("an unknown API method is MethodNotFound with HTTP 200", async () => {
    const reply = await server.post("/api/doesNotExist/", {});
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, { success: false, error: "MethodNotFound" });
  });

  test("a path outside the API is 404 with the envelope", async () => {
    const response = await fetch(`${server.url}/nowhere`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { success: false, error: "MethodNotFound" });
  });

  test("every method answers with and without the trailing slash", async () => {
    const withSlash = await server.post("/api/profile/", {});
    const withoutSlash = await server.post("/api/profile", {});
    assert.deepEqual(withSlash.body, { success: false, error: "NeedAuthentication" });
    assert.deepEqual(withoutSlash.body, withSlash.body);
  });

  test("GET on an API method is MethodNotFound", async () => {
    const response = await fetch(`${server.url}/api/auth/`);
    assert.deepEqual(await response.json(), { success: false, error: "MethodNotFound" });
  });

  test("healthz reports ok when the database answers", async () => {
    const response = await fetch(`${server.url}/healthz`);
    assert.deepEqual(await response.json(), { success: true, data: { status: "ok" } });
  });

  test("the OpenAPI document lists every method of the route table and the raw download", async () => {
    const document = await openApiDocument();
    assert.match(document.openapi, /^3\./);
    for (const method of Object.values(apiMethods)) assert.ok(document.paths[method.path]?.post, method.path);
    assert.ok(document.paths["/api/file/{chat}/{file}"]?.get);
  });

  test("the OpenAPI document gives each method's JSON and form bodies, and the bearer token where one is needed", async () => {
    const document = await openApiDocument();
    const auth = document.paths["/api/auth/"]?.post;
    const profile = document.paths["/api/profile/"]?.post;
    assert.deepEqual(Object.keys(profile?.requestBody?.content ?? {}), [...JSON_OR_FORM]);
    assert.deepEqual(profile?.security, [{ bearer: [] }]);
    assert.equal(auth?.security, undefined);
  });

  test("no failure carries a stack trace or an internal message", async () => {
    const replies = await Promise.all([
      server.post("/api/auth/", "{{{"),
      server.post("/api/confirmAuth/", { token: "x".repeat(199), sign: "%%%" }),
      server.post("/api/confirmPhone/", { token: "t", id: "not a number", code: [] }),
    ]);
    for (const reply of replies) {
      assert.deepEqual(Object.keys(reply.body).sort(), ["error", "success"]);
    }
  });
});
