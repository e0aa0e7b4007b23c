/**
 * Acked messages per second: N concurrent senders over Socket.IO each emit `sendMessage` (with a localId, as
 * clients do) and send the next one when the ack arrives; every ack comes after a durable commit (SQLite WAL
 * synchronous=FULL, PostgreSQL fsync). The same over REST (/api/sendMessage/) as an extra row. The server is a
 * `certchat serve` child process; the load generator is this process. Baseline: as many bare inserts into the
 * messages table as the socket run acked, done the fastest way the driver allows (bench/lib/bare-inserts.ts:
 * one transaction of a reused prepared statement on SQLite, of 2000-row INSERTs on PostgreSQL), once the
 * server has stopped. SQLite and PostgreSQL. Target: 10,000 acked messages/s.
 * Run: node --import tsx bench/throughput.ts [--quick]
 */
import { backends } from "../test/support/storage.ts";
import { bareInserts } from "./lib/bare-inserts.ts";
import { type BackendName, startCertchatChild } from "./lib/certchat-child.ts";
import { describeUsage, usageMeter } from "./lib/child-process.ts";
import { benchText, type Sender, sendersWithChats } from "./lib/fixtures.ts";
import { JsonClient } from "./lib/json-client.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { connectMany, SioClient } from "./lib/sio-client.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGET_PER_SECOND = 10_000;

async function measureBackend(backend: BackendName, options: BenchOptions): Promise<Row[]> {
  const concurrency = bySize(options, { full: 100, quick: 100, smoke: 4 });
  const users = bySize(options, { full: 10, quick: 10, smoke: 2 });
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.3 });
  const server = await startCertchatChild(backend);
  let sockets: SioClient[] = [];
  const client = new JsonClient(server.url, concurrency);
  try {
    const senders = await sendersWithChats(server.api, users);
    const senderOf = (worker: number) => senders[worker % senders.length] as Sender;
    sockets = await connectMany(concurrency, 20, (i) =>
      SioClient.connect(server.url, { token: senderOf(i).token }),
    );
    let localId = 0;
    const overSocket = async (worker: number) => {
      const { chat, cid } = senderOf(worker);
      await (sockets[worker] as SioClient).request("sendMessage", {
        chat,
        cid,
        text: benchText,
        localId: localId++,
      });
    };
    const overRest = async (worker: number) => {
      const { token, chat, cid } = senderOf(worker);
      await client.call("/api/sendMessage/", { token, chat, cid, text: benchText, localId: localId++ });
    };
    // Server CPU per answered send: what the figure would be on a dedicated core, whatever the machine's load.
    const timed = async (send: (worker: number) => Promise<void>) => {
      const meter = usageMeter(server.pid);
      const rate = await closedLoopRate(concurrency, seconds, send);
      const used = meter();
      const usage = `server ${((used.cpuSeconds * 1e6) / rate.completed).toFixed(0)} µs CPU per message, ${describeUsage(used)}`;
      return { ...rate, usage };
    };
    await closedLoopRate(concurrency, Math.min(2, seconds), overSocket); // warm-up
    const acked = await timed(overSocket);
    const rest = await timed(overRest);
    await server.stop();
    const bare = await bareInserts(server.storage, senderOf(0).chat, acked.completed);
    const common = {
      unit: "msg/s",
      baselineName: `${acked.completed} bare inserts/s`,
      baseline: bare,
      target: `≥ ${TARGET_PER_SECOND} msg/s`,
    };
    return [
      row({
        ...common,
        name: `${backend}: ${concurrency} socket senders`,
        value: acked.perSecond,
        detail: `${acked.completed} acked in ${acked.seconds.toFixed(1)} s, ${users} users; ${acked.usage}`,
        met: acked.perSecond >= TARGET_PER_SECOND,
      }),
      row({
        ...common,
        name: `${backend}: ${concurrency} REST senders`,
        value: rest.perSecond,
        detail: `${rest.completed} answered in ${rest.seconds.toFixed(1)} s; ${rest.usage}`,
        met: rest.perSecond >= TARGET_PER_SECOND,
      }),
    ];
  } finally {
    for (const socket of sockets) socket.close();
    client.close();
    await server.dispose();
  }
}

export async function throughput(options: BenchOptions): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const notes = [
    "the server is a `certchat serve` child process; the load generator is this process, on the same 2 cores",
    "every ack (socket) and answer (REST) comes after the message's durable commit",
    "baseline: as many rows as the socket run acked, in one transaction, straight through the driver",
  ];
  for (const backend of backends) {
    if (backend.skip) notes.push(`${backend.name} skipped: ${backend.skip}`);
    else rows.push(...(await measureBackend(backend.name, options)));
  }
  return { scenario: "throughput", rows, notes };
}

await runIfMain(import.meta.url, throughput);
