import { Readable } from "node:stream";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { S3Settings } from "../config.ts";
import {
  assertBlobId,
  type BlobReader,
  type BlobStore,
  isBlobId,
  LIST_PAGE_SIZE,
  type ListedBlob,
} from "./blob-store.ts";

/**
 * Bounds on one S3 call. The request timeout runs until the response headers (so it covers an upload);
 * the socket timeout cuts a download that stalls midway. A failed call is tried at most three times.
 */
const CONNECTION_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 60_000;
const SOCKET_IDLE_TIMEOUT_MS = 30_000;
const MAX_ATTEMPTS = 3;

/** GET answers NoSuchKey for a missing object; some S3-compatible servers answer a bare 404 NotFound. */
function isMissing(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === "NoSuchKey" || error.name === "NotFound");
}

/**
 * Blobs as objects of one bucket on S3 or an S3-compatible server (MinIO, Ceph, …), keyed like the
 * filesystem store (ab/cd/abcd…). A PutObject that succeeds is durable, and S3 never shows a partial object.
 */
export class S3BlobStore implements BlobStore {
  readonly description: string;
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    this.description = `s3 ${settings.endpoint ?? `aws:${settings.region}`}/${settings.bucket}`;
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.pathStyle,
      // Without keys the SDK's default chain applies (AWS_* variables, instance or task role).
      credentials: settings.credentials,
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: CONNECTION_TIMEOUT_MS,
        requestTimeout: REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
        socketTimeout: SOCKET_IDLE_TIMEOUT_MS,
      },
    });
  }

  async put(id: string, bytes: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyOf(id),
        Body: bytes,
        ContentType: "application/octet-stream",
      }),
    );
  }

  async open(id: string): Promise<BlobReader | undefined> {
    const object = await this.fetch(id);
    if (!object) return undefined;
    if (object.ContentLength === undefined) throw new Error(`S3 sent no length for blob ${id}`);
    return { size: object.ContentLength, stream: bodyStream(object) };
  }

  async delete(id: string): Promise<void> {
    // S3 answers a delete of a missing key with success too.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.keyOf(id) }));
  }

  /**
   * ListObjects pages of the bucket, each started after the last key of the one before (keys come in
   * lexicographic order); keys outside the ab/cd/abcd… layout (not ours) are left out. Version 1 with a marker
   * rather than ListObjectsV2's continuation token: equivalent without a delimiter, and s3rver (the tests' S3)
   * cannot make V2 tokens under OpenSSL 3 (it ciphers them with DES), so V2 paging could not be tested.
   */
  async *list(): AsyncGenerator<ListedBlob[]> {
    let marker: string | undefined;
    for (;;) {
      const answer = await this.client.send(
        new ListObjectsCommand({ Bucket: this.bucket, MaxKeys: LIST_PAGE_SIZE, Marker: marker }),
      );
      const objects = answer.Contents ?? [];
      const page: ListedBlob[] = [];
      for (const object of objects) {
        const id = object.Key?.slice(6) ?? "";
        if (!isBlobId(id) || object.Key !== this.keyOf(id)) continue;
        if (object.LastModified === undefined || object.Size === undefined)
          throw new Error(`S3 listed ${object.Key} without its size or time`);
        page.push({ id, size: object.Size, modifiedAt: object.LastModified.getTime() });
      }
      if (page.length > 0) yield page;
      marker = objects.at(-1)?.Key;
      if (!answer.IsTruncated || marker === undefined) return;
    }
  }

  close(): void {
    this.client.destroy();
  }

  private async fetch(id: string): Promise<GetObjectCommandOutput | undefined> {
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.keyOf(id) }));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  private keyOf(id: string): string {
    assertBlobId(id);
    return `${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`;
  }
}

/** On Node the SDK's body is an http.IncomingMessage; anything else means a browser build slipped in. */
function bodyStream(object: GetObjectCommandOutput): Readable {
  if (!(object.Body instanceof Readable)) throw new Error("S3 object body is not a Node stream");
  return object.Body;
}
