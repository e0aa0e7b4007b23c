import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import pino from "pino";
import { type BlobStore, LIST_PAGE_SIZE, type ListedBlob } from "../../../src/server/blobs/blob-store.ts";
import { FileSystemBlobStore } from "../../../src/server/blobs/filesystem.ts";
import { S3BlobStore } from "../../../src/server/blobs/s3.ts";
import {
  type SweepOutcome,
  startBlobSweeps,
  sweepOrphanBlobs,
} from "../../../src/server/services/blob-sweep.ts";
import { insertMessage } from "../../../src/server/storage/repositories/messages.ts";
import { startTestS3, type TestS3 } from "../../support/s3.ts";
import { describeEachBackend } from "../../support/storage.ts";
import { useTempDir } from "../../support/temp-dir.ts";
import { chatOf, type Member, member, message } from "../storage/repositories/fixtures.ts";

const tempDir = useTempDir("certchat-blob-sweep-");
const GRACE_MS = 3_600_000;

/** A filesystem store of its own, and a way to age one of its blobs. */
async function fileStore(): Promise<{
  store: FileSystemBlobStore;
  age(id: string, ms: number): Promise<void>;
}> {
  const root = join(await tempDir(), randomUUID());
  return {
    store: new FileSystemBlobStore(root),
    async age(id, ms) {
      const then = new Date(Date.now() - ms);
      await utimes(join(root, id.slice(0, 2), id.slice(2, 4), id), then, then);
    },
  };
}

async function idsIn(store: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of store.list()) ids.push(...page.map((blob) => blob.id));
  return ids.sort();
}

/** A store whose listing waits at `entered` until `release` is called (a sweep caught mid-way). */
function held(store: BlobStore): { store: BlobStore; entered: Promise<void>; release(): void } {
  let enter = () => {};
  let release = () => {};
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  async function* list(): AsyncGenerator<ListedBlob[]> {
    enter();
    await released;
    yield* store.list();
  }
  return {
    store: {
      description: "held",
      put: store.put.bind(store),
      open: store.open.bind(store),
      delete: store.delete.bind(store),
      list,
    },
    entered,
    release,
  };
}

let s3: TestS3;
before(async () => {
  s3 = await startTestS3();
});
after(async () => {
  await s3.stop();
});

describeEachBackend("blob sweep", (storage) => {
  let alice: Member;
  let chat: string;
  before(async () => {
    alice = await member(storage(), "sweep-alice", "79990009001");
    chat = await chatOf(storage(), alice, []);
  });

  /** Stores a message naming `fileId`, as a committed send does. */
  async function reference(fileId: string): Promise<void> {
    await insertMessage(storage().db, message(chat, alice, { type: "file", file_id: fileId, file_size: 1 }));
  }

  function sweep(blobs: BlobStore): Promise<SweepOutcome | undefined> {
    return sweepOrphanBlobs({ storage: storage(), blobs, clock: Date.now, graceMs: GRACE_MS });
  }

  test("an unreferenced blob older than the grace period is removed and counted with its bytes", async () => {
    const { store, age } = await fileStore();
    const orphan = randomUUID();
    await store.put(orphan, new Uint8Array(5));
    await age(orphan, GRACE_MS + 60_000);
    assert.deepEqual(await sweep(store), { scanned: 1, removed: 1, removedBytes: 5 });
    assert.deepEqual(await idsIn(store), []);
  });

  test("a blob a message names is kept however old", async () => {
    const { store, age } = await fileStore();
    const named = randomUUID();
    await store.put(named, new Uint8Array(5));
    await reference(named);
    await age(named, 365 * 86_400_000);
    assert.deepEqual(await sweep(store), { scanned: 1, removed: 0, removedBytes: 0 });
    assert.deepEqual(await idsIn(store), [named]);
  });

  test("an unreferenced blob younger than the grace period is kept (its send may still commit)", async () => {
    const { store, age } = await fileStore();
    const young = randomUUID();
    await store.put(young, new Uint8Array(5));
    await age(young, GRACE_MS - 60_000);
    assert.deepEqual(await sweep(store), { scanned: 1, removed: 0, removedBytes: 0 });
    assert.deepEqual(await idsIn(store), [young]);
  });

  test("a temporary file of a write cut short is removed once older than the grace period", async () => {
    const root = join(await tempDir(), randomUUID());
    const store = new FileSystemBlobStore(root);
    const id = randomUUID();
    await store.put(id, new Uint8Array(1));
    await reference(id);
    const leftover = join(root, id.slice(0, 2), id.slice(2, 4), `.${randomUUID()}.0123456789ab.tmp`);
    await writeFile(leftover, new Uint8Array(6));
    const then = new Date(Date.now() - GRACE_MS - 60_000);
    await utimes(leftover, then, then);
    assert.deepEqual(await sweep(store), { scanned: 1, removed: 1, removedBytes: 6 });
    await assert.rejects(stat(leftover), { code: "ENOENT" });
  });

  test("a sweep over several listing pages removes the orphans of every page and only them", async () => {
    const { store, age } = await fileStore();
    const ids = Array.from({ length: LIST_PAGE_SIZE + 10 }, () => randomUUID());
    for (const id of ids) await store.put(id, new Uint8Array(1));
    const named = ids.filter((_, index) => index % 100 === 0);
    for (const id of named) await reference(id);
    for (const id of ids) await age(id, GRACE_MS + 60_000);
    const outcome = await sweep(store);
    assert.deepEqual(outcome, {
      scanned: ids.length,
      removed: ids.length - named.length,
      removedBytes: ids.length - named.length,
    });
    assert.deepEqual(await idsIn(store), [...named].sort());
  });

  test("an S3 store's old orphans are removed and its named blobs kept", async () => {
    const bucket = `certchat-${randomUUID()}`;
    const client = new S3Client({ ...s3.settings, forcePathStyle: true });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    const store = new S3BlobStore({ ...s3.settings, bucket });
    try {
      const [orphan, named] = [randomUUID(), randomUUID()];
      await store.put(orphan, new Uint8Array(7));
      await store.put(named, new Uint8Array(7));
      await reference(named);
      // S3 keeps its own times: the sweep's clock runs ahead instead of the blobs being aged.
      const later = Date.now() + GRACE_MS + 60_000;
      assert.deepEqual(
        await sweepOrphanBlobs({ storage: storage(), blobs: store, clock: () => later, graceMs: GRACE_MS }),
        { scanned: 2, removed: 1, removedBytes: 7 },
      );
      assert.deepEqual(await idsIn(store), [named]);
    } finally {
      store.close();
    }
  });

  test("two sweeps at once remove an orphan once between them and keep the named blob", async () => {
    const { store, age } = await fileStore();
    const [orphan, named] = [randomUUID(), randomUUID()];
    for (const id of [orphan, named]) {
      await store.put(id, new Uint8Array(3));
      await age(id, GRACE_MS + 60_000);
    }
    await reference(named);
    const first = held(store);
    const firstSweep = sweep(first.store);
    await first.entered;
    const second = await sweep(store);
    first.release();
    const removed = [second, await firstSweep].reduce((sum, outcome) => sum + (outcome?.removed ?? 0), 0);
    assert.equal(removed, 1);
    assert.deepEqual(await idsIn(store), [named]);
  });

  test("on PostgreSQL a sweep while another runs is skipped, and the next after it runs", async (t) => {
    if (storage().dialect !== "postgres") return t.skip("SQLite is one node's database: no lock");
    const { store } = await fileStore();
    const first = held(store);
    const firstSweep = sweep(first.store);
    await first.entered;
    assert.equal(await sweep(store), undefined);
    first.release();
    assert.ok(await firstSweep);
    assert.ok(await sweep(store));
  });

  test("a sweep whose signal is aborted (a node shutting down) removes nothing further", async () => {
    const { store, age } = await fileStore();
    const orphan = randomUUID();
    await store.put(orphan, new Uint8Array(2));
    await age(orphan, GRACE_MS + 60_000);
    const stopping = new AbortController();
    stopping.abort();
    const outcome = await sweepOrphanBlobs({
      storage: storage(),
      blobs: store,
      clock: Date.now,
      graceMs: GRACE_MS,
      signal: stopping.signal,
    });
    assert.deepEqual(outcome, { scanned: 0, removed: 0, removedBytes: 0 });
    assert.deepEqual(await idsIn(store), [orphan]);
  });

  test("the periodic sweep reports each round's removals", async () => {
    const { store, age } = await fileStore();
    const orphan = randomUUID();
    await store.put(orphan, new Uint8Array(4));
    await age(orphan, GRACE_MS + 60_000);
    let stop = async () => {};
    const swept = await new Promise<SweepOutcome>((resolve) => {
      stop = startBlobSweeps({
        storage: storage(),
        blobs: store,
        clock: Date.now,
        graceMs: GRACE_MS,
        logger: pino({ level: "silent" }),
        intervalMs: 10,
        onSwept: resolve,
      });
    });
    await stop();
    assert.deepEqual(swept, { scanned: 1, removed: 1, removedBytes: 4 });
  });
});
