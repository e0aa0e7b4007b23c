import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../../support/server.ts";

/** Writes raw bytes and resolves with the whole answer once the server closes the connection. */
function rawExchange(url: string, request: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: Number(port) }, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.setTimeout(5_000, () => socket.destroy(new Error("no answer")));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

function statusAndBody(answer: string): { status: number; body: unknown } {
  const [head = "", body = ""] = answer.split("\r\n\r\n");
  return { status: Number(head.split(" ")[1]), body: JSON.parse(body) };
}

describe("HTTP errors raised before routing", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => server.close());

  test("an API path with invalid percent-encoding is InvalidSchema with HTTP 200, the URL not echoed", async () => {
    const response = await fetch(`${server.url}/api/profile/%zz`, { method: "POST" });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { success: false, error: "InvalidSchema" });
  });

  test("the raw download with invalid percent-encoding is InvalidSchema with HTTP 400", async () => {
    const response = await fetch(`${server.url}/api/file/%zz/x`);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { success: false, error: "InvalidSchema" });
  });

  test("the raw download with a path parameter over the router's limit is InvalidSchema with HTTP 400", async () => {
    const response = await fetch(`${server.url}/api/file/${"a".repeat(200)}/x`);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { success: false, error: "InvalidSchema" });
  });

  test("the raw download with a chat id over its schema's length is InvalidSchema with HTTP 400", async () => {
    const response = await fetch(`${server.url}/api/file/${"a".repeat(80)}/x`);
    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { success: false, error: "InvalidSchema" });
  });

  test("a path outside /api/ with invalid percent-encoding is MethodNotFound with HTTP 404", async () => {
    const response = await fetch(`${server.url}/%zz`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { success: false, error: "MethodNotFound" });
  });

  test("a request Node's HTTP parser refuses (unknown verb) is InvalidSchema with HTTP 400", async () => {
    const answer = await rawExchange(server.url, "FOO /api/profile/ HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.deepEqual(statusAndBody(answer), {
      status: 400,
      body: { success: false, error: "InvalidSchema" },
    });
  });

  test("request headers over Node's size limit are DataError with HTTP 431", async () => {
    const answer = await rawExchange(
      server.url,
      `GET /healthz HTTP/1.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    );
    assert.deepEqual(statusAndBody(answer), { status: 431, body: { success: false, error: "DataError" } });
  });

  test("a HEAD request over the header limit gets 431 without a body", async () => {
    const answer = await rawExchange(
      server.url,
      `HEAD /healthz HTTP/1.1\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assert.equal(answer.split("\r\n\r\n")[1], "");
    assert.match(answer, /\r\nContent-Length: 0\r\n/);
  });
});
