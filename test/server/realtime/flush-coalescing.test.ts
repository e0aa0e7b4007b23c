import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo, Socket as TcpSocket } from "node:net";
import { after, before, describe, test } from "node:test";
import type { Socket as ClientSocket } from "socket.io-client";
import type { CertchatIo, CertchatSocket } from "../../../src/server/realtime/context.ts";
import { coalesceBufferedFrames } from "../../../src/server/realtime/flush-coalescing.ts";
import { createSocketServer } from "../../../src/server/realtime/gateway.ts";
import { closeAll, connectV4, eventually, record } from "../../support/sockets.ts";

/** The server side's TCP socket of a websocket connection (ws keeps it in `_socket`). */
function tcpOf(socket: CertchatSocket): TcpSocket {
  const transport = socket.conn.transport as unknown as { socket: { _socket: TcpSocket } };
  return transport.socket._socket;
}

/** Counts the writes (system calls' worth: `_write` or `_writev`) the TCP socket makes. */
function countWrites(tcp: TcpSocket): { count: number } {
  const counter = { count: 0 };
  const internals = tcp as unknown as Record<"_write" | "_writev", (...args: unknown[]) => void>;
  for (const name of ["_write", "_writev"] as const) {
    const original = internals[name].bind(tcp);
    internals[name] = (...args: unknown[]) => {
      counter.count++;
      original(...args);
    };
  }
  return counter;
}

describe("coalesceBufferedFrames", () => {
  let io: CertchatIo;
  let url: string;
  const clients: ClientSocket[] = [];

  before(async () => {
    io = createSocketServer({ preAuthBytes: 100_000 });
    const http = createServer();
    io.attach(http);
    coalesceBufferedFrames(io);
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    closeAll(clients);
    await io.close();
  });

  async function connected(): Promise<{ client: ClientSocket; server: CertchatSocket }> {
    const client = await connectV4(url);
    clients.push(client);
    await eventually(() => io.of("/").sockets.has(client.id ?? ""), "the server's socket");
    const server = io.of("/").sockets.get(client.id ?? "") as CertchatSocket;
    await eventually(() => server.conn.transport.name === "websocket", "the websocket upgrade");
    return { client, server };
  }

  test("packets buffered behind a write in flight go out in one write, in order", async () => {
    const { client, server } = await connected();
    const seen = record(client, "chatChanged");
    const writes = countWrites(tcpOf(server));
    // The first is written at once; the next three wait in Engine.IO's buffer for its callback.
    for (let version = 1; version <= 4; version++)
      server.emit("chatChanged", { chatId: "c1", keyId: 1, version, rotationDue: false });
    await eventually(() => seen.length === 4, "the four events");
    assert.deepEqual(
      seen.map((event) => (event as { version: number }).version),
      [1, 2, 3, 4],
    );
    assert.equal(writes.count, 2);
  });

  test("the TCP socket is uncorked once the buffer is handed over", async () => {
    const { client, server } = await connected();
    const seen = record(client, "chatChanged");
    for (let version = 1; version <= 3; version++)
      server.emit("chatChanged", { chatId: "c1", keyId: 1, version, rotationDue: false });
    await eventually(() => seen.length === 3, "the three events");
    assert.equal(tcpOf(server).writableCorked, 0);
  });
});
