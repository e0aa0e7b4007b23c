import assert from "node:assert/strict";
import { test } from "node:test";
import type { FastifyBaseLogger } from "fastify";
import type { Logger } from "pino";
import { lazyChildLogger } from "../../../src/server/http/request-logger.ts";
import { capturingLogger } from "../../support/log-capture.ts";

/** The capturing logger at `level`, counting the children made of it. */
function countedParent(level: string) {
  const { logger, lines } = capturingLogger();
  logger.level = level;
  let made = 0;
  // pino's children inherit `child` from this logger: the count covers theirs too.
  const child = logger.child;
  logger.child = function (this: Logger, ...args: Parameters<typeof child>) {
    made++;
    return child.apply(this, args);
  } as typeof logger.child;
  const records = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  return { parent: logger as FastifyBaseLogger, records, children: () => made };
}

test("a request logger that writes nothing makes no pino child", () => {
  const { parent, children } = countedParent("info");
  const log = lazyChildLogger(parent, { reqId: "r1" }, {});
  log.child({ profile: 7 });
  assert.equal(children(), 0);
});

test("a line below the level makes no child and is not written", () => {
  const { parent, records, children } = countedParent("info");
  const log = lazyChildLogger(parent, { reqId: "r1" }, {});
  log.debug({ code: "InvalidSchema" }, "request refused");
  log.child({ profile: 7 }).trace("detail");
  assert.equal(children(), 0);
  assert.deepEqual(records(), []);
});

test("a written line carries the request's bindings, its fields and message", () => {
  const { parent, records } = countedParent("debug");
  const log = lazyChildLogger(parent, { reqId: "r1" }, {});
  log.debug({ code: "InvalidSchema" }, "request refused");
  const [record] = records();
  assert.equal(record?.reqId, "r1");
  assert.equal(record?.code, "InvalidSchema");
  assert.equal(record?.msg, "request refused");
});

test("a child of the request logger carries both bindings", () => {
  const { parent, records } = countedParent("info");
  lazyChildLogger(parent, { reqId: "r1" }, {}).child({ profile: 7 }).warn("stalled");
  const [record] = records();
  assert.equal(record?.reqId, "r1");
  assert.equal(record?.profile, 7);
  assert.equal(record?.level, 40);
});

test("the pino child is made once, on the first line, however many follow", () => {
  const { parent, records, children } = countedParent("info");
  const log = lazyChildLogger(parent, { reqId: "r1" }, {});
  log.info("one");
  log.error({ err: new Error("boom") }, "two");
  assert.equal(children(), 1);
  assert.deepEqual(
    records().map((record) => record.msg),
    ["one", "two"],
  );
});

test("a silent parent writes nothing at any level", () => {
  const { parent, records, children } = countedParent("silent");
  lazyChildLogger(parent, { reqId: "r1" }, {}).fatal("down");
  assert.equal(children(), 0);
  assert.deepEqual(records(), []);
});

test("a child with a level of its own is made at once, as Fastify's would be", () => {
  const { parent, records, children } = countedParent("info");
  const log = lazyChildLogger(parent, { reqId: "r1" }, { level: "debug" });
  assert.equal(children(), 1);
  log.debug("seen");
  assert.equal(records()[0]?.msg, "seen");
});
