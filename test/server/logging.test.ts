import assert from "node:assert/strict";
import { test } from "node:test";
import { formatLogLine } from "../../src/server/logging.ts";
import { capturingLogger } from "../support/log-capture.ts";

test("tokens, authorization headers and request bodies are redacted from log lines", () => {
  const { logger, lines } = capturingLogger();
  logger.info(
    {
      req: { headers: { authorization: "Bearer secret-token-1", cookie: "sid=secret-cookie" } },
      headers: { authorization: "Bearer secret-token-2" },
      body: { token: "secret-token-3", code: "123456" },
      session: { token: "secret-token-4" },
      token: "secret-token-5",
      credentials: { secretAccessKey: "secret-key" },
    },
    "something happened",
  );
  const [line] = lines();
  assert.ok(line?.includes("something happened"));
  assert.doesNotMatch(line ?? "", /secret-|123456/);
});

test("a line for a terminal shows time, level and message, then the other fields, then a stack", () => {
  const json = JSON.stringify({
    level: 50,
    time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
    pid: 1,
    hostname: "h",
    reqId: "abc",
    profile: 7,
    msg: "unexpected error",
    err: { message: "boom", stack: "Error: boom\n    at here" },
  });
  assert.equal(
    formatLogLine(json),
    "03:04:05.006 ERROR unexpected error reqId=abc profile=7\n  Error: boom\n      at here\n",
  );
});

test("a line that is not JSON is passed through", () => {
  assert.equal(formatLogLine("plain text"), "plain text\n");
});
