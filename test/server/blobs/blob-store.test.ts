import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { after, before, describe, test } from "node:test";
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type BlobStore, LIST_PAGE_SIZE, type ListedBlob } from "../../../src/server/blobs/blob-store.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { S3BlobStore } from "../../../src/server/blobs/s3.ts";
import type { S3Settings } from "../../../src/server/config.ts";
import { startTestS3, type TestS3 } from "../../support/s3.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir("certchat-blobs-");

let s3: TestS3;
const s3Stores: S3BlobStore[] = [];
before(async () => {
  s3 = await startTestS3();
});
after(async () => {
  for (const store of s3Stores) store.close();
  await s3.stop();
});

function s3Store(settings = s3.settings): S3BlobStore {
  const store = new S3BlobStore(settings);
  s3Stores.push(store);
  return store;
}

/** Settings naming a new, empty bucket on the test server: a listing sees only its test's blobs. */
async function freshBucket(): Promise<S3Settings> {
  const bucket = `certchat-${randomUUID()}`;
  const client = new S3Client({ ...s3.settings, forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return { ...s3.settings, bucket };
}

/** A blob's bytes read through `open`, or undefined when there is none. */
async function bytesOf(store: BlobStore, id: string): Promise<Uint8Array | undefined> {
  const reader = await store.open(id);
  return reader && new Uint8Array(await buffer(reader.stream));
}

/** Every page of a store's listing, in order. */
async function pagesOf(store: BlobStore): Promise<ListedBlob[][]> {
  const pages: ListedBlob[][] = [];
  for await (const page of store.list()) pages.push(page);
  return pages;
}

/** Every blob store implementation, each held to the same contract. */
const stores: { name: string; create(): Promise<BlobStore> }[] = [
  { name: "filesystem", create: async () => new FileSystemBlobStore(join(await tempDir(), randomUUID())) },
  { name: "s3 (s3rver)", create: async () => s3Store(await freshBucket()) },
];

for (const { name, create } of stores) {
  describe(`blob store contract [${name}]`, () => {
    test("a blob reads back whole, with its size", async () => {
      const store = await create();
      const id = randomUUID();
      const bytes = new Uint8Array(100_000).map((_, index) => index % 251);
      await store.put(id, bytes);
      assert.equal((await store.open(id))?.size, bytes.length);
      assert.deepEqual(await bytesOf(store, id), bytes);
    });

    test("an empty blob is a blob", async () => {
      const store = await create();
      const id = randomUUID();
      await store.put(id, new Uint8Array(0));
      assert.deepEqual(await bytesOf(store, id), new Uint8Array(0));
      assert.equal((await store.open(id))?.size, 0);
    });

    test("an unknown id reads as undefined", async () => {
      const store = await create();
      assert.equal(await store.open(randomUUID()), undefined);
    });

    test("delete removes a blob and ignores a missing one", async () => {
      const store = await create();
      const id = randomUUID();
      await store.put(id, new Uint8Array([1]));
      await store.delete(id);
      assert.equal(await store.open(id), undefined);
      await store.delete(id);
    });

    test("a listing names every blob with its size and a modification time of the write", async () => {
      const store = await create();
      const before = Date.now();
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      for (const [index, id] of ids.entries()) await store.put(id, new Uint8Array(index * 10));
      const listed = (await pagesOf(store)).flat().sort((a, b) => a.size - b.size);
      assert.deepEqual(
        listed.map(({ id, size }) => ({ id, size })),
        ids.map((id, index) => ({ id, size: index * 10 })),
      );
      // Store clocks keep whole seconds (S3) and may be a little off the test's: within a minute.
      for (const blob of listed)
        assert.ok(Math.abs(blob.modifiedAt - before) < 60_000, String(blob.modifiedAt));
    });

    test("a listing leaves out deleted blobs and lists an empty store as no pages", async () => {
      const store = await create();
      assert.deepEqual(await pagesOf(store), []);
      const id = randomUUID();
      await store.put(id, new Uint8Array([1]));
      await store.delete(id);
      assert.deepEqual(await pagesOf(store), []);
    });

    test("a listing comes in pages of at most LIST_PAGE_SIZE, every blob once", async () => {
      const store = await create();
      const ids = Array.from({ length: LIST_PAGE_SIZE + 5 }, () => randomUUID());
      for (let from = 0; from < ids.length; from += 10)
        await Promise.all(ids.slice(from, from + 10).map((id) => store.put(id, new Uint8Array([1]))));
      const pages = await pagesOf(store);
      assert.ok(pages.length >= 2 && pages.every((page) => page.length <= LIST_PAGE_SIZE));
      assert.deepEqual(
        pages
          .flat()
          .map((blob) => blob.id)
          .sort(),
        [...ids].sort(),
      );
    });

    test("ids that are not UUIDs are refused", async () => {
      const store = await create();
      for (const id of ["../../etc/passwd", "", "ABCDEF00-0000-4000-8000-000000000000/x"]) {
        await assert.rejects(store.put(id, new Uint8Array([1])), /not a blob id/);
        await assert.rejects(store.open(id), /not a blob id/);
      }
    });
  });
}

describe("filesystem blob store", () => {
  test("files are sharded by the id's first two byte pairs and no temporary file stays behind", async () => {
    const root = join(await tempDir(), "sharded");
    const store = new FileSystemBlobStore(root);
    const id = "abcdef01-2345-4678-9abc-def012345678";
    await store.put(id, new Uint8Array([1, 2, 3]));
    assert.deepEqual(await readdir(join(root, "ab", "cd")), [id]);
  });

  test("a listing leaves out temporary files and files outside the shard layout", async () => {
    const root = join(await tempDir(), "strays");
    const store = new FileSystemBlobStore(root);
    const id = "abcdef01-2345-4678-9abc-def012345678";
    await store.put(id, new Uint8Array([1]));
    await writeFile(join(root, "ab", "cd", `.${id}.0123456789ab.tmp`), "partial");
    await writeFile(join(root, "ab", "cd", "12345678-0000-4000-8000-000000000000"), "misplaced");
    await mkdir(join(root, "lost+found"));
    await writeFile(join(root, "README"), "not a blob");
    assert.deepEqual(
      (await pagesOf(store)).flat().map((blob) => blob.id),
      [id],
    );
  });

  test("removeLeftovers removes temporary files last written before the cutoff, and only those", async () => {
    const root = join(await tempDir(), "leftovers");
    const store = new FileSystemBlobStore(root);
    const id = "abcdef01-2345-4678-9abc-def012345678";
    await store.put(id, new Uint8Array([1]));
    const folder = join(root, "ab", "cd");
    const [old, young] = [`.${id}.0123456789ab.tmp`, `.${id}.ba9876543210.tmp`];
    await writeFile(join(folder, old), "cut short");
    await writeFile(join(folder, young), "in progress");
    const then = new Date(Date.now() - 3_600_000);
    await utimes(join(folder, old), then, then);
    await utimes(join(folder, id), then, then);
    const cutoff = Date.now() - 60_000;
    assert.deepEqual(await store.removeLeftovers(cutoff, true), { removed: 1, removedBytes: 9 });
    assert.equal((await readdir(folder)).length, 3, "a dry run removes nothing");
    assert.deepEqual(await store.removeLeftovers(cutoff, false), { removed: 1, removedBytes: 9 });
    assert.deepEqual((await readdir(folder)).sort(), [young, id].sort());
  });

  test("a missing root lists as no pages", async () => {
    const store = new FileSystemBlobStore(join(await tempDir(), "never-written"));
    assert.deepEqual(await pagesOf(store), []);
  });

  test("a failed write leaves neither the blob nor a temporary file", async () => {
    const root = join(await tempDir(), "failing");
    const store = new FileSystemBlobStore(root);
    const id = "12345678-0000-4000-8000-000000000000";
    // A folder where the blob should go makes the final rename fail.
    await store.put("12345678-0000-4000-8000-000000000001", new Uint8Array([1]));
    await mkdir(join(root, "12", "34", id, "occupied"), { recursive: true });
    await assert.rejects(store.put(id, new Uint8Array([1])));
    const left = await readdir(join(root, "12", "34"));
    assert.deepEqual(left.sort(), [
      "12345678-0000-4000-8000-000000000000",
      "12345678-0000-4000-8000-000000000001",
    ]);
  });
});

describe("s3 blob store", () => {
  test("objects are keyed by the id's first two byte pairs, like the filesystem store", async () => {
    const id = "fedcba98-2345-4678-9abc-def012345678";
    await s3Store().put(id, new Uint8Array([1, 2, 3]));
    const client = new S3Client({ ...s3.settings, forcePathStyle: true });
    try {
      const listing = await client.send(
        new ListObjectsV2Command({ Bucket: s3.settings.bucket, Prefix: "fe/" }),
      );
      assert.deepEqual(
        listing.Contents?.map((object) => object.Key),
        [`fe/dc/${id}`],
      );
    } finally {
      client.destroy();
    }
  });

  test("a listing leaves out objects outside the ab/cd/abcd… layout", async () => {
    const settings = await freshBucket();
    const store = s3Store(settings);
    const client = new S3Client({ ...settings, forcePathStyle: true });
    try {
      const id = randomUUID();
      await store.put(id, new Uint8Array([1]));
      for (const key of ["README", `xx/yy/${id}`, `${id.slice(0, 2)}/${id.slice(2, 4)}/not-an-id`])
        await client.send(new PutObjectCommand({ Bucket: settings.bucket, Key: key, Body: "x" }));
      assert.deepEqual(
        (await pagesOf(store)).flat().map((blob) => blob.id),
        [id],
      );
    } finally {
      client.destroy();
    }
  });

  test("a missing bucket is an error, not a missing blob", async () => {
    const store = s3Store({ ...s3.settings, bucket: "no-such-bucket" });
    await assert.rejects(store.open(randomUUID()), { name: "NoSuchBucket" });
  });

  test("an unreachable server fails within the bounded retries", async () => {
    const store = s3Store({ ...s3.settings, endpoint: "http://127.0.0.1:1" });
    const started = Date.now();
    await assert.rejects(store.open(randomUUID()));
    await assert.rejects(store.put(randomUUID(), new Uint8Array([1])));
    assert.ok(Date.now() - started < 10_000, "three attempts each, not an endless retry");
  });
});
