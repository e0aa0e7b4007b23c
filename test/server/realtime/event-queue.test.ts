import assert from "node:assert/strict";
import { test } from "node:test";
import { EventQueue, type QueuedEvent } from "../../../src/server/realtime/event-queue.ts";
import { SharedByteBounds } from "../../../src/server/realtime/shared-byte-bounds.ts";

const roomy = { waiting: 100, overlapping: 100, bytes: 1_000 };

/** A promise resolved from outside. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/**
 * An event that records each of its steps in `log` as `<step> <name>`; its start waits for `started`, its
 * commit for `committed` (both resolved at once unless given).
 */
function recorded(
  log: string[],
  name: string,
  options: { overlaps?: boolean; started?: Promise<void>; committed?: Promise<void> } = {},
): QueuedEvent {
  return {
    overlaps: () => options.overlaps ?? false,
    async start() {
      log.push(`start ${name}`);
      await options.started;
      log.push(`prepared ${name}`);
      return {
        async begin() {
          log.push(`begin ${name}`);
          await options.committed;
          return () => log.push(`answer ${name}`);
        },
        async drop() {
          log.push(`drop ${name}`);
        },
      };
    },
  };
}

test("an event that runs alone holds back the next one until it has answered (subscribe after session)", async () => {
  const log: string[] = [];
  const session = deferred();
  const queue = new EventQueue(roomy, () => {});
  queue.push(recorded(log, "session", { started: session.promise }), 0);
  queue.push(recorded(log, "subscribe"), 0);
  session.resolve();
  await queue.idle();
  assert.deepEqual(log, [
    "start session",
    "prepared session",
    "begin session",
    "answer session",
    "start subscribe",
    "prepared subscribe",
    "begin subscribe",
    "answer subscribe",
  ]);
});

test("overlapping events start before earlier ones finish, yet begin and answer in arrival order", async () => {
  const log: string[] = [];
  const firstPrepared = deferred();
  const firstCommitted = deferred();
  const queue = new EventQueue(roomy, () => {});
  queue.push(
    recorded(log, "1", { overlaps: true, started: firstPrepared.promise, committed: firstCommitted.promise }),
    0,
  );
  queue.push(recorded(log, "2", { overlaps: true }), 0);
  // Let the second event prepare while the first is still preparing.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ["start 1", "start 2", "prepared 2"]);
  firstPrepared.resolve();
  await new Promise((resolve) => setImmediate(resolve));
  // The second began right after the first, before the first's commit finished, but answers after it.
  assert.deepEqual(log.slice(3), ["prepared 1", "begin 1", "begin 2"]);
  firstCommitted.resolve();
  await queue.idle();
  assert.deepEqual(log.slice(6), ["answer 1", "answer 2"]);
});

test("an event that may not overlap waits for the overlapping ones before it, and later ones wait for it", async () => {
  const log: string[] = [];
  const sendCommitted = deferred();
  const queue = new EventQueue(roomy, () => {});
  queue.push(recorded(log, "send", { overlaps: true, committed: sendCommitted.promise }), 0);
  queue.push(recorded(log, "messages"), 0);
  queue.push(recorded(log, "send2", { overlaps: true }), 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(log, ["start send", "prepared send", "begin send"]);
  sendCommitted.resolve();
  await queue.idle();
  assert.deepEqual(log.slice(3), [
    "answer send",
    "start messages",
    "prepared messages",
    "begin messages",
    "answer messages",
    "start send2",
    "prepared send2",
    "begin send2",
    "answer send2",
  ]);
});

test("whether an event overlaps is asked only once every earlier event that runs alone has finished", async () => {
  const asked: string[] = [];
  const session = deferred();
  const queue = new EventQueue(roomy, () => {});
  const log: string[] = [];
  queue.push(recorded(log, "session", { started: session.promise }), 0);
  queue.push(
    {
      ...recorded(log, "send", { overlaps: true }),
      overlaps: () => {
        asked.push(log.at(-1) ?? "nothing");
        return true;
      },
    },
    0,
  );
  session.resolve();
  await queue.idle();
  assert.deepEqual(asked, ["answer session"]);
});

test("at most `overlapping` events run at once; the next starts when one has answered", async () => {
  const log: string[] = [];
  const firstCommitted = deferred();
  const queue = new EventQueue({ waiting: 10, overlapping: 2, bytes: 1_000 }, () => {});
  queue.push(recorded(log, "1", { overlaps: true, committed: firstCommitted.promise }), 0);
  queue.push(recorded(log, "2", { overlaps: true }), 0);
  queue.push(recorded(log, "3", { overlaps: true }), 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(log.includes("start 3"), false, log.join());
  firstCommitted.resolve();
  await queue.idle();
  assert.ok(log.indexOf("start 3") > log.indexOf("answer 1"), log.join());
});

test("a failing event is reported and the next one still runs and answers", async () => {
  const failures: unknown[] = [];
  const log: string[] = [];
  const queue = new EventQueue(roomy, (error) => failures.push(error));
  queue.push(
    {
      overlaps: () => true,
      start: async () => {
        throw new Error("boom");
      },
    },
    0,
  );
  queue.push(recorded(log, "next", { overlaps: true }), 0);
  await queue.idle();
  assert.equal(log.at(-1), "answer next");
  assert.equal(failures.length, 1);
});

test("beyond its limit of queued events the queue refuses more, and accepts again once drained", async () => {
  const log: string[] = [];
  const queue = new EventQueue({ waiting: 2, overlapping: 2, bytes: 1_000 }, () => {});
  assert.equal(queue.push(recorded(log, "1"), 0), "queued");
  assert.equal(queue.push(recorded(log, "2"), 0), "queued");
  assert.equal(queue.push(recorded(log, "3"), 0), "events");
  await queue.idle();
  assert.equal(queue.push(recorded(log, "4"), 0), "queued");
  await queue.idle();
  assert.equal(log.includes("start 3"), false);
  assert.equal(log.at(-1), "answer 4");
});

test("once closed, events that have not begun are dropped, and the one already begun still answers", async () => {
  const log: string[] = [];
  const firstCommitted = deferred();
  const secondPrepared = deferred();
  const queue = new EventQueue(roomy, () => {});
  queue.push(recorded(log, "1", { overlaps: true, committed: firstCommitted.promise }), 0);
  queue.push(recorded(log, "2", { overlaps: true, started: secondPrepared.promise }), 0);
  queue.push(recorded(log, "3"), 0);
  await new Promise((resolve) => setImmediate(resolve));
  queue.close();
  secondPrepared.resolve();
  firstCommitted.resolve();
  await queue.idle();
  assert.deepEqual(
    log.filter((step) => !step.startsWith("start") && !step.startsWith("prepared")),
    ["begin 1", "drop 2", "answer 1"],
  );
  assert.equal(log.includes("start 3"), false);
});

test("an event that would pass the byte bound is refused, while the smaller ones queued before it run", async () => {
  const log: string[] = [];
  const firstCommitted = deferred();
  const queue = new EventQueue({ waiting: 10, overlapping: 10, bytes: 100 }, () => {});
  assert.equal(
    queue.push(recorded(log, "1", { overlaps: true, committed: firstCommitted.promise }), 60),
    "queued",
  );
  assert.equal(queue.push(recorded(log, "2", { overlaps: true }), 40), "queued");
  assert.equal(queue.push(recorded(log, "3", { overlaps: true }), 1), "bytes");
  firstCommitted.resolve();
  await queue.idle();
  assert.deepEqual(
    log.filter((step) => step.startsWith("answer")),
    ["answer 1", "answer 2"],
  );
  assert.equal(log.includes("start 3"), false);
});

test("an event's bytes are held until it has answered, then free for the next", async () => {
  const log: string[] = [];
  const firstCommitted = deferred();
  const queue = new EventQueue({ waiting: 10, overlapping: 10, bytes: 100 }, () => {});
  queue.push(recorded(log, "1", { overlaps: true, committed: firstCommitted.promise }), 100);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(log.at(-1), "begin 1");
  assert.equal(queue.push(recorded(log, "2", { overlaps: true }), 1), "bytes", "held while committing");
  firstCommitted.resolve();
  await queue.idle();
  assert.equal(queue.push(recorded(log, "3", { overlaps: true }), 100), "queued");
  await queue.idle();
  assert.equal(log.at(-1), "answer 3");
});

test("a dropped event's bytes are given back too", async () => {
  const log: string[] = [];
  const firstCommitted = deferred();
  const secondPrepared = deferred();
  const queue = new EventQueue({ waiting: 10, overlapping: 10, bytes: 100 }, () => {});
  queue.push(recorded(log, "1", { overlaps: true, committed: firstCommitted.promise }), 50);
  queue.push(recorded(log, "2", { overlaps: true, started: secondPrepared.promise }), 50);
  await new Promise((resolve) => setImmediate(resolve));
  queue.close();
  secondPrepared.resolve();
  firstCommitted.resolve();
  await queue.idle();
  assert.ok(log.includes("drop 2"), log.join());
  assert.equal(queue.push(recorded(log, "3"), 100), "queued");
});

test("an event the shared bound refuses is refused as over the bytes, and its bytes go back to it once answered", async () => {
  const log: string[] = [];
  const shared = new SharedByteBounds(100);
  const firstCommitted = deferred();
  const mine = new EventQueue({ waiting: 10, overlapping: 10, bytes: 100 }, () => {});
  const sibling = new EventQueue({ waiting: 10, overlapping: 10, bytes: 100 }, () => {});
  const pushed = mine.push(
    recorded(log, "1", { overlaps: true, committed: firstCommitted.promise }),
    80,
    shared.account(1),
  );
  assert.equal(pushed, "queued");
  assert.equal(sibling.push(recorded(log, "2", { overlaps: true }), 80, shared.account(1)), "bytes");
  assert.equal(sibling.push(recorded(log, "3", { overlaps: true }), 80, shared.account(2)), "queued");
  firstCommitted.resolve();
  await mine.idle();
  await sibling.idle();
  assert.equal(shared.heldBy(1), 0);
  assert.equal(sibling.push(recorded(log, "4", { overlaps: true }), 80, shared.account(1)), "queued");
  await sibling.idle();
  assert.equal(log.includes("start 2"), false);
});
