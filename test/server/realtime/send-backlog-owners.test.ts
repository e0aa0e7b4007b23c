import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { closeNonReaders, type ReaderSocket } from "../../../src/server/realtime/send-backlog.ts";

/** A socket whose client left `unsent` bytes unread, owned by profile `owner`. */
function reader(
  id: string,
  unsent: number,
  owner?: number,
): ReaderSocket & { owner?: number; closed: boolean } {
  const socket = {
    id,
    owner,
    closed: false,
    conn: {
      readyState: "open",
      writeBuffer: [{ data: "x".repeat(unsent) }],
      transport: { socket: { bufferedAmount: 0, terminate: () => {} } },
      close: () => {
        socket.closed = true;
      },
    },
  };
  return socket;
}

/** One round of closeNonReaders over `sockets` with bound `limit`: the ids it closed. */
function oneRound(sockets: ReturnType<typeof reader>[], limit: number): string[] {
  mock.timers.enable({ apis: ["setInterval"] });
  const closed: string[] = [];
  const watch = closeNonReaders(
    () => sockets,
    limit,
    1_000,
    (socket) => closed.push(socket.id),
    (socket) => socket.owner,
  );
  try {
    mock.timers.tick(1_000);
  } finally {
    watch.stop();
    mock.timers.reset();
  }
  return closed;
}

test("one socket over the bound is closed whoever owns it", () => {
  assert.deepEqual(oneRound([reader("a", 101), reader("b", 100)], 100), ["a"]);
});

test("a profile's sockets each under the bound but over it together: the ones holding most are closed until the rest fit", () => {
  const sockets = [reader("small", 20, 1), reader("large", 60, 1), reader("middle", 40, 1)];
  assert.deepEqual(oneRound(sockets, 100), ["large"]);
  assert.deepEqual(
    sockets.map((socket) => socket.closed),
    [false, true, false],
  );
});

test("sockets of different profiles, or without one yet, are not added up", () => {
  const sockets = [reader("p1", 90, 1), reader("p2", 90, 2), reader("anon1", 90), reader("anon2", 90)];
  assert.deepEqual(oneRound(sockets, 100), []);
});
