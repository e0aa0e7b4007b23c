/**
 * Memory per idle socket: N authenticated sockets, each subscribed to a chat, held open on a `certchat serve`
 * child (SQLite); figure = the child's RSS growth / N, both readings after a full GC (the child runs with
 * --expose-gc and collects on SIGUSR2). Baseline: a bare Socket.IO server child holding N idle sockets, each
 * in a room. Clients are sockets of this process (one descriptor each on either side: watch `ulimit -n`).
 * Target: ≤ 30 KB per socket.
 * Run: node --import tsx bench/connections.ts [--quick]
 */
import { collectGarbage, openFilesLimit, rssOf } from "./lib/child-process.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { bareRelay, certchatRelay, type Relay } from "./lib/relays.ts";
import { row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { connectMany, type SioClient } from "./lib/sio-client.ts";

const TARGET_KB = 30;
/** Descriptors this process needs besides the sockets (files, pipes, database, the HTTP agent). */
const SPARE_DESCRIPTORS = 200;

interface Outcome {
  bytesPerSocket: number;
  serverBefore: number;
  serverAfter: number;
  clientBytesPerSocket: number;
}

async function measure(relay: Relay, count: number): Promise<Outcome> {
  await collectGarbage(relay.pid);
  const serverBefore = rssOf(relay.pid);
  const clientBefore = process.memoryUsage.rss();
  let sockets: SioClient[] = [];
  try {
    sockets = await connectMany(count, 50, (i) => relay.subscriber(0, i));
    await collectGarbage(relay.pid);
    const serverAfter = rssOf(relay.pid);
    return {
      bytesPerSocket: (serverAfter - serverBefore) / count,
      serverBefore,
      serverAfter,
      clientBytesPerSocket: (process.memoryUsage.rss() - clientBefore) / count,
    };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

export async function connections(options: BenchOptions): Promise<ScenarioResult> {
  const wanted = bySize(options, { full: 10_000, quick: 1000, smoke: 20 });
  const limit = openFilesLimit();
  const count = Math.min(wanted, limit - SPARE_DESCRIPTORS);
  const notes = [
    `open files limit ${limit} (each side holds one descriptor per socket)${count < wanted ? `: ${count} sockets instead of ${wanted}` : ""}`,
    "RSS read from /proc/<pid>/status after two full GCs in the server child; clients are sockets of this process",
  ];
  const run = async (relay: Relay) => {
    try {
      return await measure(relay, count);
    } finally {
      await relay.dispose();
    }
  };
  const bare = await run(await bareRelay());
  const ours = await run(await certchatRelay(1, options));
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  notes.push(`load generator: ${(ours.clientBytesPerSocket / 1024).toFixed(1)} KB RSS per client socket`);
  const kb = ours.bytesPerSocket / 1024;
  return {
    scenario: "connections",
    rows: [
      row({
        name: `${count} idle subscribed sockets`,
        unit: "KB/socket",
        value: kb,
        baselineName: "bare socket.io",
        baseline: bare.bytesPerSocket / 1024,
        detail:
          `server RSS ${mb(ours.serverBefore)} → ${mb(ours.serverAfter)} ` +
          `(bare ${mb(bare.serverBefore)} → ${mb(bare.serverAfter)})`,
        target: `≤ ${TARGET_KB} KB/socket`,
        met: kb <= TARGET_KB,
      }),
    ],
    notes,
  };
}

await runIfMain(import.meta.url, connections);
