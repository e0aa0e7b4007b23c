import assert from "node:assert/strict";
import { test } from "node:test";
import { eventBytes } from "../../src/protocol/event-size.ts";

const NO_CAP = Number.MAX_SAFE_INTEGER;

test("a send's size is about its JSON text: a big base64 field counts its length", () => {
  const payload = { chat: "c1", type: "file", file: "A".repeat(1_000_000), text: "QUJD" };
  const size = eventBytes([payload, () => {}], NO_CAP);
  const json = JSON.stringify(payload).length;
  assert.ok(size >= 1_000_000 && Math.abs(size - json) < 100, `${size} against ${json} of JSON`);
});

test("binary arguments count their bytes", () => {
  assert.ok(eventBytes([{ file: Buffer.alloc(4096) }], NO_CAP) >= 4096);
});

test("counting stops soon after the cap, however many values the payload has", () => {
  const many = Array.from({ length: 1_000_000 }, () => 0);
  const size = eventBytes([many], 1_000);
  assert.ok(size > 1_000 && size < 1_100, String(size));
});

test("a deeply nested payload is measured without exhausting the stack", () => {
  let nested: unknown = "leaf";
  for (let depth = 0; depth < 200_000; depth++) nested = [nested];
  assert.ok(eventBytes([nested], NO_CAP) > 200_000);
});
