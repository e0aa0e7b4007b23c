import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { closeSpread } from "../../../src/server/realtime/spread-close.ts";
import { startTestServer } from "../../support/server.ts";
import { connectV4 } from "../../support/sockets.ts";

function closables(count: number) {
  const closedAt: number[] = [];
  const items = Array.from({ length: count }, () => ({ close: () => closedAt.push(performance.now()) }));
  return { items, closedAt };
}

describe("closeSpread", () => {
  test("closes a tick's share at once and the rest a tick (100 ms) apart", async () => {
    const { items, closedAt } = closables(250);
    const started = performance.now();
    const done = closeSpread(items, 1000);
    assert.equal(closedAt.length, 100, "the first 100 (1,000 a second) close at once");
    await done;
    assert.equal(closedAt.length, 250);
    assert.ok((closedAt[249] as number) - started >= 190, "the last batch waits two ticks");
  });

  test("closes everything at once for 0", () => {
    const { items, closedAt } = closables(5_000);
    void closeSpread(items, 0);
    assert.equal(closedAt.length, 5_000);
  });

  test("goes faster than the rate where it would take longer than its longest spread", async () => {
    const { items, closedAt } = closables(3_000);
    const started = performance.now();
    // 1,000 a second would take 3 s; within 300 ms it is 3 ticks of 1,000.
    const done = closeSpread(items, 1000, 300);
    assert.equal(closedAt.length, 1_000);
    await done;
    assert.ok((closedAt[2_999] as number) - started < 1_000);
  });

  test("closes at least one a tick however low the rate", async () => {
    const { items, closedAt } = closables(3);
    await closeSpread(items, 1);
    assert.equal(closedAt.length, 3);
  });
});

describe("a node shutting down with CERTCHAT_DRAIN_SOCKETS_PER_SECOND", () => {
  test("closes its sockets spread over time, each client told to reconnect", async () => {
    const server = await startTestServer({
      env: { CERTCHAT_DRAIN_SOCKETS_PER_SECOND: "10", CERTCHAT_DRAIN_DELAY: "0" },
    });
    const sockets = await Promise.all([connectV4(server.url), connectV4(server.url), connectV4(server.url)]);
    const closes = sockets.map(
      (socket) =>
        new Promise<{ at: number; reason: string }>((resolve) =>
          socket.once("disconnect", (reason) => resolve({ at: performance.now(), reason })),
        ),
    );
    await server.close();
    const ends = await Promise.all(closes);
    // "transport close": the client reconnects (to another node), as when they were closed at once.
    assert.deepEqual(
      ends.map(({ reason }) => reason),
      ["transport close", "transport close", "transport close"],
    );
    const times = ends.map(({ at }) => at).sort((a, b) => a - b);
    assert.ok((times[2] as number) - (times[0] as number) >= 150, `spread: ${times.join(", ")}`);
  });
});
