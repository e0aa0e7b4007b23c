import type { Readable } from "node:stream";

/** A stored blob opened for streaming. */
export interface BlobReader {
  size: number;
  stream: Readable;
}

/** A stored blob as a listing sees it; `modifiedAt` (ms since the epoch) is the store's clock, not the node's. */
export interface ListedBlob {
  id: string;
  size: number;
  modifiedAt: number;
}

/** How many blobs one page of a listing holds at most (S3's ListObjectsV2 maximum). */
export const LIST_PAGE_SIZE = 1000;

/**
 * Where encrypted file contents live (docs/DECISIONS.md §6), keyed by file id (a UUID the server generates). A `put`
 * that resolves is durable; `delete` of a missing blob is not an error.
 */
export interface BlobStore {
  /** One line for the start-up banner. */
  readonly description: string;
  put(id: string, bytes: Uint8Array): Promise<void>;
  /** The blob as a stream with its size, or undefined if there is none with this id. */
  open(id: string): Promise<BlobReader | undefined>;
  delete(id: string): Promise<void>;
  /**
   * Every blob, in pages of at most LIST_PAGE_SIZE, in no particular order, read as the pages are consumed (memory
   * stays bounded whatever the store holds). A blob written or deleted during the listing may or may not appear.
   */
  list(): AsyncIterable<ListedBlob[]>;
  /**
   * Removes what writes cut short left behind (a crash mid-put) that was last written before `before` (ms,
   * the store's clock), or with `dryRun` only counts it. A store whose writes leave nothing has none (S3: an
   * object appears whole or not at all).
   */
  removeLeftovers?(before: number, dryRun: boolean): Promise<{ removed: number; removedBytes: number }>;
  /** Releases held connections (S3); a store that holds none has no close. */
  close?(): void;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Blob ids are lower-case UUIDs; stores refuse anything else so that no id can name a path or key outside. */
export function assertBlobId(id: string): void {
  if (!UUID.test(id)) throw new Error(`not a blob id: ${JSON.stringify(id)}`);
}

export function isBlobId(id: string): boolean {
  return UUID.test(id);
}
