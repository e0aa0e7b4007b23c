import { pipeline, type Readable, Transform } from "node:stream";

/**
 * `bytes` as a stream that fails unless it gives exactly `size` bytes: an answer that announced its length must
 * not end early as if complete, nor carry bytes past it (on a kept-alive connection they would be read as the
 * next answer). Destroying the result destroys `bytes`, and a failure of either ends both.
 */
export function sizedStream(bytes: Readable, size: number): Readable {
  let read = 0;
  const sized = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      if (read > size) done(new Error(`the file store gave more than the ${size} bytes recorded`));
      else done(null, chunk);
    },
    flush(done) {
      done(read < size ? new Error(`the file store gave ${read} of the ${size} bytes recorded`) : null);
    },
  });
  // The outcome is the returned stream's to report; pipeline only ties the two streams' ends together.
  pipeline(bytes, sized, () => {});
  return sized;
}
