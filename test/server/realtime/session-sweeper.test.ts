import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import pino from "pino";
import { Server } from "socket.io";
import type { CertchatIo } from "../../../src/server/realtime/context.ts";
import { sweepDeadSessions } from "../../../src/server/realtime/session-sweeper.ts";
import { SessionService } from "../../../src/server/services/sessions.ts";
import { connectV4 } from "../../support/sockets.ts";
import { backends } from "../../support/storage.ts";

test("a sweep that cannot reach the database is logged and leaves the sockets connected", async () => {
  const sqlite = backends.find((backend) => backend.name === "sqlite");
  assert.ok(sqlite);
  const storage = await sqlite.create();
  const sessions = new SessionService(storage.storage.db, Date.now, { idleMs: 60_000, maxAgeMs: 60_000 });
  await storage.dispose(); // every query from now on fails
  const lines: string[] = [];
  const logger = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
  const http = createServer();
  const io: CertchatIo = new Server(http);
  io.use((socket, next) => {
    socket.data.token = "a-token";
    next();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const sweeper = sweepDeadSessions(io, sessions, 60_000, logger);
  const socket = await connectV4(`http://127.0.0.1:${(http.address() as AddressInfo).port}`);
  try {
    await sweeper.sweepNow();
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? "", /socket session sweep failed/);
    assert.equal(socket.connected, true);
  } finally {
    sweeper.stop();
    socket.close();
    await io.close();
  }
});
