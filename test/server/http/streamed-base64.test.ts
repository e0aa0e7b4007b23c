import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { PassThrough, Readable } from "node:stream";
import { text } from "node:stream/consumers";
import { test } from "node:test";
import { StreamedBase64 } from "../../../src/server/http/streamed-base64.ts";

test("the envelope's base64 is the whole source's, whatever the chunks' sizes", async () => {
  const bytes = randomBytes(1000);
  const sizes = [1, 2, 4, 5, 3, 7, 0, 11, 967];
  const chunks = sizes.map((_, index) => {
    const start = sizes.slice(0, index).reduce((sum, size) => sum + size, 0);
    return bytes.subarray(start, start + (sizes[index] as number));
  });
  const envelope = await text(
    new StreamedBase64({ size: bytes.length, stream: Readable.from(chunks) }).envelope(),
  );
  assert.deepEqual(JSON.parse(envelope), { success: true, data: bytes.toString("base64") });
});

test("an empty source is an empty string", async () => {
  const envelope = await text(new StreamedBase64({ size: 0, stream: Readable.from([]) }).envelope());
  assert.deepEqual(JSON.parse(envelope), { success: true, data: "" });
});

test("destroying the envelope (the client went away) destroys its source", async () => {
  const source = new PassThrough();
  const envelope = new StreamedBase64({ size: 3, stream: source }).envelope();
  source.write(Buffer.from("abc"));
  const [first] = await once(envelope, "data");
  assert.equal(String(first), '{"success":true,"data":"');
  // The source ends with an AbortError, as a stream cut short does.
  const closed = new Promise((resolve) => source.on("error", () => {}).on("close", resolve));
  envelope.destroy();
  await closed;
  assert.equal(source.destroyed, true);
});

test("the announced length is the envelope's, for every remainder of the size modulo 3", async () => {
  for (const size of [0, 1, 2, 3, 4, 5, 1000]) {
    const answer = new StreamedBase64({ size, stream: Readable.from([randomBytes(size)]) });
    assert.equal(Buffer.byteLength(await text(answer.envelope())), answer.length, `size ${size}`);
  }
});

test("destroying the envelope while the store stalls mid-file destroys the store's stream at once", async () => {
  const source = new PassThrough();
  const envelope = new StreamedBase64({ size: 10, stream: source }).envelope();
  envelope.on("data", () => {});
  source.write(Buffer.from("abc"));
  // The envelope has passed on all it was given and waits for the store, which gives nothing more.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closed = new Promise((resolve) => source.on("error", () => {}).on("close", resolve));
  envelope.destroy();
  await Promise.race([
    closed,
    new Promise((_, reject) => setTimeout(() => reject(new Error("the store's stream is still open")), 1000)),
  ]);
  assert.equal(source.destroyed, true);
});

test("a store failure mid-file fails the envelope", async () => {
  const source = new PassThrough();
  const envelope = new StreamedBase64({ size: 10, stream: source }).envelope();
  source.write(Buffer.from("abc"));
  setTimeout(() => source.destroy(new Error("store broke")), 20);
  await assert.rejects(text(envelope), /store broke/);
});
