import { pipeline, type Readable, Transform } from "node:stream";

const HEAD = '{"success":true,"data":"';
const TAIL = '"}';

/**
 * A success answer whose `data` is the base64 of a byte stream, sent as it is read: a file's answer holds a
 * few chunks, not the file, its base64 and the serialized envelope for as long as the client takes to read it
 * (a client that reads nothing held all three, without bound across connections). The stream's size is known
 * (the file store's), so the answer's length is too: clients can show progress, as for the raw download.
 */
export class StreamedBase64 {
  constructor(private readonly source: { readonly size: number; readonly stream: Readable }) {}

  /** The envelope's length in bytes (all of it ASCII). */
  get length(): number {
    return HEAD.length + 4 * Math.ceil(this.source.size / 3) + TAIL.length;
  }

  /**
   * The envelope `{"success":true,"data":"<base64>"}` as a stream; destroying it destroys the source. The source
   * must give exactly its size (sizedStream), or `length` is wrong. A Transform tied to the source by pipeline, not
   * an async generator: a generator waiting for the store's next chunk returns only once it comes, so a client gone
   * while the store stalled left the store's stream (an S3 socket) open until the store gave data or timed out.
   */
  envelope(): Readable {
    // Bytes past the last whole 3-byte group wait for the next chunk: base64 of the pieces is the piece's base64.
    let carry: Buffer = Buffer.alloc(0);
    const envelope = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        const joined = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
        const whole = joined.length - (joined.length % 3);
        carry = joined.subarray(whole);
        done(null, whole > 0 ? joined.subarray(0, whole).toString("base64") : undefined);
      },
      flush(done) {
        done(null, `${carry.toString("base64")}${TAIL}`);
      },
    });
    envelope.push(HEAD);
    // The outcome is the envelope's to report; pipeline only ties the two streams' ends together.
    pipeline(this.source.stream, envelope, () => {});
    return envelope;
  }
}
