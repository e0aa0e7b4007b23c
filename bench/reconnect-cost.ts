/**
 * The server's cost of one returning socket (issue 16, target 6), apart from the storm's timing: what each of
 * bench/reconnect-storm.ts's sockets asks of a node after a restart — a handshake with its token, then its 10
 * chats resumed: one `resume` (the new path), or (the old path, an older server's) `subscribe` to each chat
 * and one `messages` / `rel: "next"` page per chat, the 10 chats at once (StormSocket's sequences), 25
 * sockets at a time. Each chat holds `--new` messages (default 2, as the storm sends) after the id the
 * sockets catch up from.
 *
 * Four phases, alternating round by round so that the machine's load drifts over all alike: connect only;
 * connect + subscribes; connect + subscribes + pages (the old path); connect + resume (the new path). Figure:
 * the server child's CPU (every thread, from
 * /proc) from the first connect to the last answer, per socket; the sockets are closed and the server left
 * idle between rounds, so their disconnects are not counted. The differences between phases give the cost of
 * a subscribe and of a page. With `--postgres`, also statements per socket: the bench database's committed
 * transactions (each autocommit statement is one), read after the server's backends have reported them.
 *
 * Run: node --import tsx bench/reconnect-cost.ts [--postgres] [--sockets N] [--rounds N] [--new N]
 * [--phases connect,resume] [--no-statements]
 * (`--no-statements`: with --postgres, skip counting statements per socket, which waits 11 s per phase)
 * (BENCH_SERVER_PROF=<dir> profiles the server child; bench/profile-top.ts summarises the profile.)
 */
import { setTimeout as delay } from "node:timers/promises";
import pg from "pg";
import { HISTORY_PAGE_SIZE } from "../src/protocol/schemas/messages.ts";
import type { ChatUser } from "../test/support/chats.ts";
import { type BackendName, startCertchatChild } from "./lib/certchat-child.ts";
import { cpuSecondsOf } from "./lib/child-process.ts";
import { connectMany, SioClient } from "./lib/sio-client.ts";
import { benchUsers, groupChat } from "./lib/socket-fixtures.ts";
import { StormSender } from "./lib/storm-sender.ts";

const CHATS_PER_SOCKET = 10;
const PARALLEL = 25;
/** A PostgreSQL backend reports its counters when idle this long at most (PGSTAT_IDLE_INTERVAL, 10 s). */
const STATS_FLUSH_MS = 11_000;

type Phase = "connect" | "subscribe" | "history" | "resume";
const ALL_PHASES: Phase[] = ["connect", "subscribe", "history", "resume"];

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const backend: BackendName = process.argv.includes("--postgres") ? "postgres" : "sqlite";
const sockets = flag("--sockets", 500);
const rounds = flag("--rounds", 5);
const fresh = flag("--new", 2);
/** `--phases connect,resume`: only these (e.g. to profile the new path alone); the others' figures are NaN. */
const phasesAt = process.argv.indexOf("--phases");
const PHASES: Phase[] =
  phasesAt >= 0
    ? ALL_PHASES.filter((phase) => (process.argv[phasesAt + 1] ?? "").split(",").includes(phase))
    : ALL_PHASES;

async function request(client: SioClient, event: string, payload: unknown): Promise<unknown> {
  const [envelope] = (await client.emitWithAck(event, payload, 120_000)) as [
    { success: boolean; error?: string; data?: unknown },
  ];
  if (!envelope?.success) throw new Error(`${event} failed: ${envelope?.error}`);
  return envelope.data;
}

/** One returning socket's sequence up to `phase`; the connection, to be closed once the round is measured. */
async function returning(
  url: string,
  user: ChatUser,
  chats: string[],
  after: Map<string, number>,
  phase: Phase,
): Promise<SioClient> {
  const client = await SioClient.connect(url, { token: user.token }, 120_000);
  if (phase === "connect") return client;
  if (phase === "resume") {
    const answer = (await request(client, "resume", {
      chats: chats.map((chat) => ({ chat, id: after.get(chat) })),
    })) as { chats: { messages?: unknown[] }[] };
    for (const part of answer.chats)
      if (part.messages?.length !== Math.min(fresh, HISTORY_PAGE_SIZE))
        throw new Error(`a resumed chat with ${part.messages?.length} messages, not ${fresh}`);
    return client;
  }
  await Promise.all(
    chats.map(async (chat) => {
      await request(client, "subscribe", chat);
      if (phase === "subscribe") return;
      const page = (await request(client, "messages", {
        chat,
        id: after.get(chat),
        rel: "next",
      })) as unknown[];
      if (page.length !== Math.min(fresh, HISTORY_PAGE_SIZE))
        throw new Error(`a catch-up page of ${page.length} messages, not ${fresh}`);
    }),
  );
  return client;
}

/** Committed transactions of the database so far (PostgreSQL), as reported by the backends. */
async function committedTransactions(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ commits: string }>(
      "select xact_commit as commits from pg_stat_database where datname = $1",
      [new URL(url).pathname.slice(1)],
    );
    return Number(result.rows[0]?.commits ?? Number.NaN);
  } finally {
    await client.end();
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const server = await startCertchatChild(backend, { readyMs: 180_000 });
  try {
    const users = await benchUsers(server.api, 10);
    const chats: string[] = [];
    for (let i = 0; i < 100; i++) chats.push(await groupChat(server.api, users, `cost ${i}`));
    const sender = new StormSender(() => server.url, users[0] as ChatUser);
    for (let k = 0; k <= fresh; k++) await sender.sendToEach(chats, performance.now() + 60_000);
    // Catch up from the first message: the `fresh` ones after it are new to the returning sockets.
    const after = new Map(chats.map((chat) => [chat, sender.acked.get(chat)?.[0] ?? 0]));
    const blocks = Array.from({ length: chats.length / CHATS_PER_SOCKET }, (_, b) =>
      chats.slice(b * CHATS_PER_SOCKET, (b + 1) * CHATS_PER_SOCKET),
    );
    const run = async (phase: Phase): Promise<number> => {
      const before = cpuSecondsOf(server.pid);
      const clients = await connectMany(sockets, PARALLEL, (i) =>
        returning(
          server.url,
          users[i % users.length] as ChatUser,
          blocks[i % blocks.length] as string[],
          after,
          phase,
        ),
      );
      const cpu = cpuSecondsOf(server.pid) - before;
      for (const client of clients) client.close();
      await delay(500);
      return (cpu * 1e6) / sockets;
    };
    // Warm-up: compiled code paths, caches, statements. Its cost is a node's just after a restart (cold).
    const cold = new Map<Phase, number>();
    for (const phase of ["history", "resume"] as const)
      if (PHASES.includes(phase)) cold.set(phase, await run(phase));
    const perSocket = new Map<Phase, number[]>(ALL_PHASES.map((phase) => [phase, []]));
    for (let round = 0; round < rounds; round++) {
      for (const phase of PHASES) perSocket.get(phase)?.push(await run(phase));
    }
    const [connect, subscribe, history, resumed] = ALL_PHASES.map((phase) =>
      median(perSocket.get(phase) ?? []),
    );
    const load = (await import("node:os")).loadavg().map((value) => value.toFixed(2));
    console.log(
      `${backend}, ${sockets} sockets × ${rounds} rounds, ${fresh} new per chat, load ${load.join(" ")}`,
    );
    for (const [phase, micros] of cold)
      console.log(
        `  ${phase.padEnd(9)} µs/socket on the fresh server (warm-up, cold code): ${micros.toFixed(0)}`,
      );
    for (const phase of PHASES)
      console.log(
        `  ${phase.padEnd(9)} µs/socket: ${perSocket
          .get(phase)
          ?.map((v) => v.toFixed(0))
          .join(" ")}`,
      );
    console.log(
      `  per returning socket ${history?.toFixed(0)} µs: handshake ${connect?.toFixed(0)}, ` +
        `subscribes ${((subscribe ?? 0) - (connect ?? 0)).toFixed(0)}, ` +
        `pages ${((history ?? 0) - (subscribe ?? 0)).toFixed(0)} (medians)`,
    );
    console.log(
      `  old path (subscribe + messages per chat) ${history?.toFixed(0)} µs/socket, ` +
        `new path (one resume) ${resumed?.toFixed(0)} µs/socket: ${((resumed ?? 0) / (history ?? 1)).toFixed(2)}×`,
    );
    if (server.storage.kind === "postgres" && !process.argv.includes("--no-statements")) {
      const url = server.storage.url;
      for (const phase of PHASES) {
        await delay(STATS_FLUSH_MS);
        const before = await committedTransactions(url);
        await run(phase);
        await delay(STATS_FLUSH_MS);
        // Our own reading is one transaction of its own.
        const statements = (await committedTransactions(url)) - before - 1;
        console.log(`  ${phase.padEnd(9)} statements/socket: ${(statements / sockets).toFixed(2)}`);
      }
    }
  } finally {
    await server.dispose();
  }
}

await main();
