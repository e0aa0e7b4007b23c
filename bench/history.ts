/**
 * History page latency (docs/DECISIONS.md §2: keyset pages on (chat_id, id)): p50/p95/p99 of a 50-message "prev" page at
 * a random position, over HTTP (/api/messages/) and through the repository directly, with one chat holding a
 * small and then a large number of messages, on SQLite and PostgreSQL. Baseline: the same figure at the small
 * size. Target: p99 ≤ 5 ms at the large size and ≤ 1.5× the small one.
 * Run: node --import tsx bench/history.ts [--quick]
 */
import { type Kysely, sql } from "kysely";
import type { Storage } from "../src/server/storage/database.ts";
import { listHistoryPage } from "../src/server/storage/repositories/messages.ts";
import type { Database } from "../src/server/storage/schema.ts";
import { type Backend, backends } from "../test/support/storage.ts";
import { benchText, type Sender, sendersWithChats, startBenchServer } from "./lib/fixtures.ts";
import { JsonClient } from "./lib/json-client.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { type Latency, sampleLatency } from "./lib/stats.ts";

const PAGE = 50;
/** The server's default page budget (CERTCHAT_MAX_PAGE_BYTES), as the HTTP page reads with it. */
const PAGE_BYTES = 8 * 1024 * 1024;
const TARGET_P99_MS = 5;
const TARGET_GROWTH = 1.5;

/** Appends `count` messages to the sender's chat in one statement (one transaction). */
async function fillChat(db: Kysely<Database>, dialect: Storage["dialect"], sender: Sender, count: number) {
  const session = await db
    .selectFrom("sessions")
    .select(["id", "profile_id"])
    .where("token", "=", sender.token)
    .executeTakeFirstOrThrow();
  const columns = sql`(chat_id, profile_id, certificate_id, session_id, data, type, created_at)`;
  const values = sql`${sender.chat}, ${session.profile_id}, ${sender.cid}, ${session.id}, ${benchText}, 'txt', ${Date.now()}`;
  if (dialect === "postgres") {
    await sql`insert into messages ${columns} select ${values} from generate_series(1, ${count})`.execute(db);
    // A bulk load leaves the planner's statistics stale until autovacuum runs; production data grows slowly.
    await sql`analyze messages`.execute(db);
  } else {
    await sql`insert into messages ${columns}
      with recursive n(i) as (select 1 union all select i + 1 from n where i < ${count})
      select ${values} from n`.execute(db);
  }
}

async function idRange(db: Kysely<Database>, chat: string) {
  const range = await db
    .selectFrom("messages")
    .select((eb) => [eb.fn.min("id").as("first"), eb.fn.max("id").as("last")])
    .where("chat_id", "=", chat)
    .executeTakeFirstOrThrow();
  return { first: Number(range.first), last: Number(range.last) };
}

interface SizeFigures {
  size: number;
  http: Latency;
  repository: Latency;
}

async function measureBackend(backend: Backend, sizes: [number, number], options: BenchOptions) {
  const seconds = bySize(options, { full: 3, quick: 1, smoke: 0.05 });
  const minCalls = bySize(options, { full: 200, quick: 100, smoke: 5 });
  const server = await startBenchServer(backend);
  const client = new JsonClient(server.url, 1);
  try {
    const { storage } = server.server;
    const [sender] = (await sendersWithChats(server, 1)) as [Sender];
    // The page statement reads the reader's membership itself.
    const { profile_id: readerId } = await storage.db
      .selectFrom("sessions")
      .select("profile_id")
      .where("token", "=", sender.token)
      .executeTakeFirstOrThrow();
    const figures: SizeFigures[] = [];
    let stored = 0;
    for (const size of sizes) {
      const fillStart = performance.now();
      await fillChat(storage.db, storage.dialect, sender, size - stored);
      const fillSeconds = (performance.now() - fillStart) / 1000;
      stored = size;
      const { first, last } = await idRange(storage.db, sender.chat);
      const anchor = () => first + PAGE + Math.floor(Math.random() * (last - first - PAGE + 2));
      const page = { token: sender.token, chat: sender.chat, rel: "prev" };
      const viaHttp = () => client.call<unknown[]>("/api/messages/", { ...page, id: anchor() });
      const viaRepository = () =>
        listHistoryPage(storage.db, {
          chatId: sender.chat,
          anchor: { id: anchor(), direction: "prev" },
          filesOnly: false,
          readerId,
          limit: PAGE,
          maxBytes: PAGE_BYTES,
        });
      await sampleLatency(seconds / 3, viaHttp, minCalls); // warm-up: JIT, caches, connections
      const http = await sampleLatency(seconds, viaHttp, minCalls);
      await sampleLatency(seconds / 3, viaRepository, minCalls);
      const repository = await sampleLatency(seconds, viaRepository, minCalls);
      figures.push({ size, http, repository });
      if (options.mode !== "smoke")
        console.log(`  ${backend.name}: ${size} messages filled in ${fillSeconds.toFixed(1)} s`);
    }
    return figures;
  } finally {
    client.close();
    await server.close();
  }
}

function rowsOf(backend: string, small: SizeFigures, large: SizeFigures): Row[] {
  return (["http", "repository"] as const).map((path) => {
    const value = large[path].p99;
    const baseline = small[path].p99;
    return row({
      name: `${backend} ${path} p99 @${large.size}`,
      unit: "ms",
      value,
      baselineName: `p99 @${small.size}`,
      baseline,
      detail: `p50 ${large[path].p50.toFixed(2)} p95 ${large[path].p95.toFixed(2)} (@${small.size}: p50 ${small[path].p50.toFixed(2)} p95 ${small[path].p95.toFixed(2)}); n=${large[path].count}`,
      target: `≤ ${TARGET_P99_MS} ms, ≤ ${TARGET_GROWTH}×`,
      met: value <= TARGET_P99_MS && value <= TARGET_GROWTH * baseline,
    });
  });
}

export async function history(options: BenchOptions): Promise<ScenarioResult> {
  const sizes = bySize<[number, number]>(options, {
    full: [10_000, 1_000_000],
    quick: [1_000, 10_000],
    smoke: [100, 300],
  });
  const rows: Row[] = [];
  const notes: string[] = [
    "a page is 50 messages before a random id of the chat (rel: prev); HTTP is one request at a time on keep-alive",
  ];
  for (const backend of backends) {
    if (backend.skip) {
      notes.push(`${backend.name} skipped: ${backend.skip}`);
      continue;
    }
    const [small, large] = (await measureBackend(backend, sizes, options)) as [SizeFigures, SizeFigures];
    rows.push(...rowsOf(backend.name, small, large));
  }
  return { scenario: "history", rows, notes };
}

await runIfMain(import.meta.url, history);
