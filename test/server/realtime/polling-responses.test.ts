import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { countPollingResponses } from "../../../src/server/realtime/polling-responses.ts";
import { type BackloggedConnection, unsentBytes } from "../../../src/server/realtime/send-backlog.ts";

/** A polling GET's response: finishes, closes, or is destroyed (its socket cut off). */
class FakeResponse extends EventEmitter {
  destroyed = false;
  writableFinished = false;
  finish(): void {
    this.writableFinished = true;
    this.emit("finish");
  }
  destroy(): this {
    this.destroyed = true;
    this.emit("close");
    return this;
  }
}

/** ws's WebSocket as far as send-backlog.ts reads it: `bufferedAmount` is a prototype getter. */
class FakeWebSocket {
  pending = 0;
  terminated = false;
  get bufferedAmount(): number {
    return this.pending;
  }
  terminate(): void {
    this.terminated = true;
  }
}

type Transport = { name: string; res?: FakeResponse | null; socket?: unknown };

class FakeConnection extends EventEmitter {
  readyState = "open";
  writeBuffer: { data?: unknown }[] = [];
  constructor(public transport: Transport) {
    super();
  }
  /** Engine.IO's flush of `data` into the pending GET's `response`. */
  flushInto(response: FakeResponse, ...data: string[]): void {
    this.transport.res = response;
    this.emit(
      "flush",
      data.map((text) => ({ type: "message", data: text })),
    );
    this.transport.res = null;
  }
}

/** What send-backlog.ts reads of the connection: what the gateway's read-down wait and closeNonReaders see. */
function unsent(connection: FakeConnection): number {
  return unsentBytes(connection as unknown as BackloggedConnection);
}

function countedConnection(transport: Transport): FakeConnection {
  const engine = new EventEmitter();
  countPollingResponses({ engine } as unknown as CertchatIo);
  const connection = new FakeConnection(transport);
  engine.emit("connection", connection);
  return connection;
}

test("a polling response's bytes count as unsent until it finishes or closes", () => {
  const connection = countedConnection({ name: "polling" });
  const first = new FakeResponse();
  const second = new FakeResponse();
  connection.flushInto(first, "a".repeat(1000), "b".repeat(24));
  connection.flushInto(second, "c".repeat(500));
  assert.equal(unsent(connection), 1524);
  first.finish();
  assert.equal(unsent(connection), 500);
  second.destroy();
  assert.equal(unsent(connection), 0);
});

test("the connection's close cuts its unfinished responses off", () => {
  const connection = countedConnection({ name: "polling" });
  const held = new FakeResponse();
  const done = new FakeResponse();
  connection.flushInto(held, "a".repeat(100));
  connection.flushInto(done, "b");
  done.finish();
  connection.emit("close");
  assert.equal(held.destroyed, true);
  assert.equal(done.destroyed, false);
  assert.equal(unsent(connection), 0);
});

test("after an upgrade the websocket reports the polling responses still held, and a hard close cuts them off", () => {
  const connection = countedConnection({ name: "polling" });
  const held = new FakeResponse();
  connection.flushInto(held, "a".repeat(100));
  const ws = new FakeWebSocket();
  ws.pending = 7;
  connection.transport = { name: "websocket", socket: ws };
  connection.emit("upgrade", connection.transport);
  assert.equal(unsent(connection), 107);
  (connection.transport.socket as FakeWebSocket).terminate();
  assert.equal(held.destroyed, true);
  assert.equal(ws.terminated, true);
  assert.equal(unsent(connection), 7);
});

test("an upgrade with nothing held leaves the websocket as it is", () => {
  const connection = countedConnection({ name: "polling" });
  const read = new FakeResponse();
  connection.flushInto(read, "a".repeat(100));
  read.finish();
  const ws = new FakeWebSocket();
  connection.transport = { name: "websocket", socket: ws };
  connection.emit("upgrade", connection.transport);
  assert.deepEqual(Object.getOwnPropertyNames(ws).sort(), ["pending", "terminated"]);
});

test("a websocket connection gets no listener", () => {
  const connection = countedConnection({ name: "websocket", socket: new FakeWebSocket() });
  assert.equal(connection.listenerCount("flush"), 0);
  assert.equal(connection.listenerCount("close"), 0);
});
