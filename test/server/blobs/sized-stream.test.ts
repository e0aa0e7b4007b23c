import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { PassThrough, Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { test } from "node:test";
import { sizedStream } from "../../../src/server/blobs/sized-stream.ts";

test("a source of exactly its size passes through whole", async () => {
  const bytes = randomBytes(1000);
  const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 600), bytes.subarray(600)];
  assert.deepEqual(await buffer(sizedStream(Readable.from(chunks), 1000)), bytes);
});

test("a source that ends short of its size fails instead of ending", async () => {
  await assert.rejects(buffer(sizedStream(Readable.from([randomBytes(9)]), 10)), /gave 9 of the 10 bytes/);
});

test("a source that gives more than its size fails before passing the extra bytes on", async () => {
  const passed: Buffer[] = [];
  const sized = sizedStream(Readable.from([randomBytes(6), randomBytes(6)]), 10);
  sized.on("data", (chunk: Buffer) => passed.push(chunk));
  await assert.rejects(
    new Promise((resolve, reject) => sized.on("end", resolve).on("error", reject)),
    /more than the 10 bytes/,
  );
  assert.equal(Buffer.concat(passed).length, 6);
});

test("destroying the sized stream (the client went away) destroys its source", async () => {
  const source = new PassThrough();
  const sized = sizedStream(source, 10);
  source.write(Buffer.from("abc"));
  await new Promise((resolve) => sized.once("data", resolve));
  const closed = new Promise((resolve) => source.on("error", () => {}).on("close", resolve));
  sized.destroy();
  await closed;
  assert.equal(source.destroyed, true);
});
