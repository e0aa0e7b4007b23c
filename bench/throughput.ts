/**
 * Acked messages per second over REST: N concurrent senders each post /api/sendMessage/ (with a localId, as
 * clients do) and send the next one when the answer arrives; every answer comes after a durable commit
 * (SQLite WAL synchronous=FULL, PostgreSQL fsync). Baseline: as many bare inserts into the messages table as
 * the run acked, done the fastest way the driver allows (multi-row INSERTs in one transaction). SQLite and
 * PostgreSQL. Target: 10,000 acked messages/s.
 * Run: node --import tsx bench/throughput.ts [--quick]
 */
import { insertMessages, type NewMessage } from "../src/server/storage/repositories/messages.ts";
import { type Backend, backends } from "../test/support/storage.ts";
import { benchText, type Sender, sendersWithChats, startBenchServer } from "./lib/fixtures.ts";
import { JsonClient } from "./lib/json-client.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGET_PER_SECOND = 10_000;
/** Rows per INSERT statement of the baseline: under SQLite's 32766 and PostgreSQL's 65535 bind parameters. */
const BASELINE_CHUNK = 2000;

async function measureBackend(backend: Backend, options: BenchOptions): Promise<Row> {
  const concurrency = bySize(options, { full: 100, quick: 100, smoke: 4 });
  const users = bySize(options, { full: 10, quick: 10, smoke: 2 });
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.2 });
  const server = await startBenchServer(backend);
  const client = new JsonClient(server.url, concurrency);
  try {
    const senders = await sendersWithChats(server, users);
    let sent = 0;
    const send = async (worker: number) => {
      const sender = senders[worker % senders.length] as Sender;
      await client.call("/api/sendMessage/", {
        token: sender.token,
        chat: sender.chat,
        cid: sender.cid,
        text: benchText,
        localId: sent++,
      });
    };
    await closedLoopRate(concurrency, Math.min(2, seconds), send); // warm-up
    const acked = await closedLoopRate(concurrency, seconds, send);

    // The baseline writes the same number of rows, straight into the table.
    const { storage } = server.server;
    const template = await storage.db
      .selectFrom("messages")
      .selectAll()
      .where("chat_id", "=", (senders[0] as Sender).chat)
      .executeTakeFirstOrThrow();
    const { id: _id, ...fields } = template;
    const rows: NewMessage[] = Array.from({ length: acked.completed }, () => ({ ...fields, local_id: null }));
    const start = performance.now();
    await storage.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += BASELINE_CHUNK) {
        await insertMessages(trx, rows.slice(i, i + BASELINE_CHUNK));
      }
    });
    const bare = rows.length / ((performance.now() - start) / 1000);
    return row({
      name: `${backend.name}: ${concurrency} senders`,
      unit: "msg/s",
      value: acked.perSecond,
      baselineName: `${rows.length} bare inserts/s`,
      baseline: bare,
      detail: `${acked.completed} acked in ${acked.seconds.toFixed(1)} s, ${users} users`,
      target: `≥ ${TARGET_PER_SECOND} msg/s`,
      met: acked.perSecond >= TARGET_PER_SECOND,
    });
  } finally {
    client.close();
    await server.close();
  }
}

export async function throughput(options: BenchOptions): Promise<ScenarioResult> {
  const rows: Row[] = [];
  const notes = [
    "load generator and server share one process (one event loop) on the same machine",
    "the baseline inserts as many rows as were acked, in one transaction of multi-row INSERTs",
  ];
  for (const backend of backends) {
    if (backend.skip) notes.push(`${backend.name} skipped: ${backend.skip}`);
    else rows.push(await measureBackend(backend, options));
  }
  return { scenario: "throughput", rows, notes };
}

await runIfMain(import.meta.url, throughput);
