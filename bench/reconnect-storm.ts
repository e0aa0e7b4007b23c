/**
 * Reconnect storm (issue 16, target 6). N sockets (full: 10,000), each subscribed to 10 of 100 group chats,
 * held by load-generator processes (bench/lib/swarm.ts) that behave as the SDK's socket does
 * (bench/lib/storm-socket.ts): after every reconnect, one `resume` for its chats from the last ids held (then
 * `messages`, `rel: "next"`, page by page where it says more; `--per-chat`: `subscribe` and pages per chat, as
 * with an older server), holding live messages of a chat until its catch-up ends;
 * reconnect with socket.io-client's jittered backoff (bench/lib/backoff.ts).
 *
 * Case 1, one node (`certchat serve`, SQLite): SIGKILL, started again at once on the same port and data. A
 * separate REST sender retries until the node is back: one message into every chat from the kill (stored as
 * soon as the node listens, before the sockets return), one more into every chat spread over the next 5 s
 * (while they return: live and catch-up overlap). Figure: from the kill until every socket is reconnected,
 * re-subscribed and holds every acked message of its chats exactly once (lost = 0).
 *
 * Case 2, rolling restart of two nodes (PostgreSQL + Redis) behind HAProxy running deploy/haproxy.cfg (its
 * third server line dropped, loopback addresses): SIGTERM node 1 (it drains 3 s, then closes its sockets,
 * which reconnect through HAProxy to node 2), start it again, wait until HAProxy sees it UP; then node 2. The
 * sender posts through HAProxy during each restart. Figure: per restart, from SIGTERM until every socket is
 * caught up. Sockets come from 16 loopback addresses (HAProxy balances by source address).
 * Two HAProxy processes run the same configuration, each carrying the sockets of one load-generator worker
 * (half of them), as two load balancers behind one DNS name would: a deviation forced by this machine's cap of
 * 20,000 open files per process — one HAProxy holds two descriptors per proxied socket, so 10,000 sockets
 * through one process do not fit. Both hash source addresses over the same two nodes alike.
 * Baseline: the target itself (no bare server has subscriptions or history to catch up).
 * Run: node --import tsx bench/reconnect-storm.ts [--quick] [--pinned] [--per-chat] [--case one-node|rolling] [--rolling-cores shared|split]
 *      [--server-env CERTCHAT_NAME=value,…] (the rolling case's nodes)
 */
import { setTimeout as delay } from "node:timers/promises";
import { Cluster, populate } from "../resilience/support/cluster.ts";
import { Haproxy, productionConfigFor } from "../resilience/support/haproxy.ts";
import { redisSkip, sharedPostgresSkip } from "../resilience/support/requirements.ts";
import type { ChatUser } from "../test/support/chats.ts";
import { freePort, kill, startRedis } from "../test/support/processes.ts";
import { createDatabase, testDatabaseUrl } from "../test/support/storage.ts";
import { toolSkip } from "../test/support/tools.ts";
import { BACKOFF_DESCRIPTION } from "./lib/backoff.ts";
import { childCli, startCertchatChild } from "./lib/certchat-child.ts";
import { cpuSecondsOf, raiseOpenFilesLimit, serverRuntimeArgs } from "./lib/child-process.ts";
import { listenOverflows, overflowsSince } from "./lib/listen-overflows.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { assertOnServerCore, LOAD_CORE, moveToCore, SERVER_CORE, serverCommand } from "./lib/pinning.ts";
import { format, pinnedVerdict, type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { benchUsers, groupChat } from "./lib/socket-fixtures.ts";
import { latencyOf } from "./lib/stats.ts";
import { StormSender } from "./lib/storm-sender.ts";
import { generatorMeter, Swarm } from "./lib/swarm.ts";
import { addCounts, type StormReport } from "./lib/swarm-protocol.ts";

const TARGET_SECONDS = 15;
const CHATS_PER_SOCKET = 10;
/** The second message into every chat is spread over this long after the node is back (smoke: enough to overlap). */
const spreadMs = (options: BenchOptions) => bySize(options, { full: 5_000, quick: 5_000, smoke: 1_000 });
/** A storm not over by then is reported as not met, with how far it got. */
const STORM_LIMIT_MS = 120_000;

interface Sizes {
  sockets: number;
  chats: number;
  users: number;
  workers: number;
}

const now = () => performance.timeOrigin + performance.now();

/** Progress on stderr (a full run takes minutes): what step started, seconds since the scenario began. */
const began = performance.now();
function progress(options: BenchOptions, step: string): void {
  if (options.mode !== "smoke")
    console.error(`  [reconnect-storm +${((performance.now() - began) / 1000).toFixed(0)} s] ${step}`);
}

/** Users, chats and sockets, identical for both cases: which sockets hold which chats. */
interface Population {
  url: string;
  users: ChatUser[];
  chats: string[];
  /** The last id of each chat before the measurement (one message sent into each). */
  after: Record<string, number>;
}

/** Spreads the sockets over the swarm's workers; socket i logs in as user i mod users, chat block i mod blocks. */
async function connectSwarm(
  swarm: Swarm,
  population: Population,
  sizes: Sizes,
  addresses: string[][],
  options: BenchOptions,
  /** The URL worker `w`'s sockets connect to (default: the population's). */
  urlOf: (w: number) => string = () => population.url,
) {
  const blocks = Array.from({ length: sizes.chats / CHATS_PER_SOCKET }, (_, b) =>
    population.chats.slice(b * CHATS_PER_SOCKET, (b + 1) * CHATS_PER_SOCKET),
  );
  const perWorker = Math.ceil(sizes.sockets / swarm.size);
  await swarm.all(
    (w) => ({
      type: "connect",
      plan: {
        mode: "storm",
        url: urlOf(w),
        tokens: population.users.map((user) => user.token),
        chatSets: blocks,
        after: population.after,
        sockets: Array.from(
          { length: Math.max(0, Math.min(perWorker, sizes.sockets - w * perWorker)) },
          (_, k) => {
            const i = w * perWorker + k;
            return { token: i % population.users.length, chats: i % blocks.length };
          },
        ),
        localAddresses: addresses[w] ?? [],
        resumePath: options.perChat ? "per-chat" : "resume",
        parallel: 25,
      },
    }),
    600_000,
  );
}

function merge(reports: StormReport[]): StormReport {
  const merged: StormReport = {
    sockets: 0,
    completedAt: [],
    connectedAt: [],
    resumedAt: [],
    droppedAt: [],
    outageMs: [],
    missing: 0,
    unexpected: 0,
    redundant: 0,
    skipped: 0,
    neverDropped: 0,
    drops: 0,
    failedAttempts: 0,
    maxFailedAttempts: 0,
    failureReasons: {},
  };
  for (const r of reports) {
    merged.sockets += r.sockets;
    for (const key of ["completedAt", "connectedAt", "resumedAt", "droppedAt", "outageMs"] as const) {
      merged[key].push(...r[key]);
    }
    for (const key of [
      "missing",
      "unexpected",
      "redundant",
      "skipped",
      "neverDropped",
      "drops",
      "failedAttempts",
    ] as const) {
      merged[key] += r[key];
    }
    merged.maxFailedAttempts = Math.max(merged.maxFailedAttempts, r.maxFailedAttempts);
    addCounts(merged.failureReasons, r.failureReasons);
  }
  return merged;
}

/** Checks every STEP ms until every socket is complete (or the limit): the last report. */
async function untilComplete(
  swarm: Swarm,
  sender: StormSender,
  limitAt: number,
  log: (line: string) => void,
): Promise<StormReport> {
  for (let round = 0; ; round++) {
    const answers = await swarm.all(() => ({ type: "check", acked: sender.ackedRecord() }), 60_000);
    const report = merge(answers.map((answer) => (answer.type === "checked" ? answer.report : merge([]))));
    if (report.completedAt.length === report.sockets || now() > limitAt) return report;
    if (round % 5 === 0) {
      const resumed = report.resumedAt.filter((at) => at > 0).length;
      log(
        `${report.completedAt.length}/${report.sockets} caught up, ${resumed} resumed, ${report.missing} missing`,
      );
    }
    await delay(1_000);
  }
}

/** ", 120 × connect ECONNREFUSED, 3 × socket did not connect in time" (most frequent first), or "". */
function failureSummary(reasons: Record<string, number>): string {
  return Object.entries(reasons)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `, ${count} × ${reason}`)
    .join("");
}

const max = (values: number[]) => values.reduce((m, v) => Math.max(m, v), 0);
const seconds = (ms: number) => `${format(ms / 1000)} s`;

interface Storm {
  report: StormReport;
  /** From the loss (kill or SIGTERM) until the last socket was complete, ms. */
  totalMs: number;
  /**
   * One-node case, the judged figure: from the node listening again until the last socket was complete, ms
   * (the node's own start-up, seconds of tsx compiling on a loaded machine, is not the storm's).
   */
  fromUpMs?: number;
  serverCpuSeconds: number;
  generator: { cpuSeconds: number; share: number };
  sent: number;
  retries: number;
  restartMs: number;
  /**
   * CPU seconds (all threads) the restarted node had used when it was up: its start-up's cost, which the
   * machine's load does not inflate as it does restartMs (docs/PERFORMANCE.md, "Node start time").
   */
  startCpuSeconds: number;
  /** Rolling case: CPU seconds of the node that stayed and took the storm (in serverCpuSeconds too). */
  stayedCpuSeconds?: number;
  /** Connections dropped by full accept queues during the storm, machine-wide (undefined: not readable here). */
  listenOverflows: number | undefined;
}

/** "p50 0.8 s, p99 6.1 s" of the sockets' outages (loss → complete). */
function outageSummary(report: StormReport): string {
  const { p50, p99 } = latencyOf(report.outageMs);
  return `per socket loss → caught up p50 ${seconds(p50)}, p99 ${seconds(p99)}`;
}

function describeStorm(storm: Storm): string {
  const { report } = storm;
  const lastConnected = max(report.connectedAt) - (max(report.completedAt) - storm.totalMs);
  return (
    `${report.completedAt.length}/${report.sockets} sockets caught up; ${outageSummary(report)}; ` +
    `last reconnect ${seconds(lastConnected)} after the loss; node restart ${seconds(storm.restartMs)} ` +
    `(start ${format(storm.startCpuSeconds)} s CPU); ` +
    `${storm.sent} msgs sent meanwhile (${storm.retries} retries), missing ${report.missing}, ` +
    `unexpected ${report.unexpected}, skipped ${report.skipped}, redundant receipts ${report.redundant}; ` +
    `${report.drops} drops, ${report.failedAttempts} failed reconnects (max ${report.maxFailedAttempts}/socket` +
    `${failureSummary(report.failureReasons)}); ` +
    (storm.listenOverflows === undefined
      ? ""
      : `${storm.listenOverflows} listen-queue overflows (machine-wide); `) +
    `server CPU ${format(storm.serverCpuSeconds)} s (${format((storm.serverCpuSeconds * 1e6) / report.sockets)} µs/socket), ` +
    `generator ${format(storm.generator.cpuSeconds)} s = ${(storm.generator.share * 100).toFixed(0)}% of a core`
  );
}

/** Case 1: one node killed and started again. */
async function oneNode(sizes: Sizes, options: BenchOptions): Promise<Storm> {
  const server = await startCertchatChild("sqlite", { readyMs: 180_000 });
  const swarm = Swarm.start(sizes.workers);
  try {
    const users = await benchUsers(server.api, sizes.users);
    const chats: string[] = [];
    for (let i = 0; i < sizes.chats; i++) chats.push(await groupChat(server.api, users, `storm ${i}`));
    const sender = new StormSender(() => server.url, users[0] as ChatUser);
    await sender.sendToEach(chats, performance.now() + 60_000);
    const after = Object.fromEntries(chats.map((chat) => [chat, sender.acked.get(chat)?.[0] ?? 0]));
    sender.acked.clear();
    progress(options, `one node: connecting ${sizes.sockets} sockets`);
    await connectSwarm(swarm, { url: server.url, users, chats, after }, sizes, [], options);
    await swarm.all(() => ({ type: "mark" }), 60_000);
    progress(options, "one node: connected; SIGKILL and restart");

    const generator = generatorMeter(swarm);
    const overflowsBefore = listenOverflows();
    const killedAt = now();
    const deadline = performance.now() + STORM_LIMIT_MS;
    await server.kill();
    // The node's start-up is not bounded by the storm's limit (it takes what the machine's load makes it).
    const whileDown = sender.sendToEach(chats, deadline + 180_000);
    await server.restart();
    const upAt = now();
    progress(options, `one node: up again after ${seconds(upAt - killedAt)}`);
    const serverCpuBefore = cpuSecondsOf(server.pid);
    await Promise.all([whileDown, sender.spreadOver(chats, spreadMs(options), deadline + 180_000)]);
    progress(options, `one node: ${sender.ackedCount} messages acked; waiting for every socket`);
    const report = await untilComplete(swarm, sender, upAt + STORM_LIMIT_MS, (line) =>
      progress(options, line),
    );
    const lastComplete = max(report.completedAt);
    // The node is up from its banner, or from the first socket it accepted if that came first (the banner
    // reaches this process through a pipe, behind whatever else it is doing).
    const firstConnect = report.connectedAt
      .filter((at) => at > killedAt)
      .reduce((m, at) => Math.min(m, at), upAt);
    return {
      report,
      totalMs: lastComplete - killedAt,
      fromUpMs: lastComplete - firstConnect,
      serverCpuSeconds: cpuSecondsOf(server.pid) - serverCpuBefore,
      generator: generator(),
      sent: sender.ackedCount,
      retries: sender.retries,
      restartMs: upAt - killedAt,
      startCpuSeconds: serverCpuBefore,
      listenOverflows: overflowsSince(overflowsBefore),
    };
  } finally {
    await swarm.close();
    await server.dispose();
  }
}

/** HAProxy's log lines about servers going DOWN or UP and backends without a server (its notices). */
function stateChanges(log: string): string[] {
  return log.split("\n").filter((line) => /is (DOWN|UP)|has no server available/.test(line));
}

/**
 * HAProxy processes in front of the nodes, each with the same configuration, each carrying the sockets of
 * alternate workers (see the header: this machine's open-files cap per process).
 */
const PROXIES = 2;

/** Case 2: two nodes behind HAProxy, restarted one after the other. */
async function rollingRestart(sizes: Sizes, options: BenchOptions): Promise<Storm[]> {
  const NODES = 2;
  const database = await createDatabase(testDatabaseUrl, "certchat_storm");
  const redisPort = await freePort();
  const redis = await startRedis(redisPort);
  let cluster: Cluster | undefined;
  const proxies: Haproxy[] = [];
  const swarm = Swarm.start(sizes.workers);
  const split = options.rollingCores !== "shared";
  /** The core each node's next start runs on, when pinned (split: a restarting node's is the generators'). */
  const startCore = [SERVER_CORE, SERVER_CORE];
  try {
    const ports = [await freePort(), await freePort()];
    cluster = await Cluster.start({
      databaseUrl: database.url,
      nodes: NODES,
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      node: (i) => ({
        port: ports[i],
        env: {
          CERTCHAT_TRUST_PROXY: "127.0.0.1",
          CERTCHAT_DRAIN_DELAY: "3s",
          CERTCHAT_CLOSING_QUIET: "300ms",
          CERTCHAT_LOG_LEVEL: "warn",
          ...options.serverEnv,
        },
        // Pinned: the nodes on the server core. HAProxy, Redis and the load generators stay on the bench's.
        wrap: (file, args) => serverCommand(file, [...serverRuntimeArgs(), ...args], startCore[i]),
        // As every bench child: the same code whether or not dist/ was built since the last change.
        bin: childCli(),
      }),
    });
    for (let p = 0; p < PROXIES; p++) {
      const proxy = await Haproxy.start(
        ports.map((port) => `127.0.0.1:${port}`),
        productionConfigFor(NODES),
      );
      proxies.push(proxy);
      if (!(await proxy.allServers("UP"))) throw new Error(`HAProxy does not see both nodes: ${proxy.log()}`);
    }
    const { members: users, chats } = await populate(cluster.api, sizes.users, sizes.chats);
    const lb = proxies[0] as Haproxy;
    const sender = new StormSender(() => lb.url, users[0] as ChatUser);
    await sender.sendToEach(chats, performance.now() + 60_000);
    const after = Object.fromEntries(chats.map((chat) => [chat, sender.acked.get(chat)?.[0] ?? 0]));
    sender.acked.clear();
    // 16 source addresses per run, spread over the workers: HAProxy hashes them over the two nodes.
    const addresses = Array.from({ length: swarm.size }, (_, w) =>
      Array.from({ length: 16 / swarm.size }, (_, k) => `127.0.0.${2 + w * (16 / swarm.size) + k}`),
    );
    progress(options, `rolling: connecting ${sizes.sockets} sockets through ${PROXIES} HAProxy processes`);
    await connectSwarm(
      swarm,
      { url: lb.url, users, chats, after },
      sizes,
      addresses,
      options,
      (w) => (proxies[w % PROXIES] as Haproxy).url,
    );

    const storms: Storm[] = [];
    /** HAProxy state changes already printed, per proxy. */
    const reported = proxies.map(() => 0);
    for (let node = 0; node < NODES; node++) {
      const stayingPid = cluster.nodes[1 - node]?.child.pid as number;
      if (split) {
        // Two nodes are two hosts: the one taking the storm does not share its core with the other's drain and start.
        moveToCore(stayingPid, SERVER_CORE);
        moveToCore(cluster.nodes[node]?.child.pid as number, LOAD_CORE);
        startCore[node] = LOAD_CORE;
      }
      await swarm.all(() => ({ type: "mark" }), 60_000);
      const generator = generatorMeter(swarm);
      const [sentBefore, retriesBefore] = [sender.ackedCount, sender.retries];
      const overflowsBefore = listenOverflows();
      const stoppedAt = now();
      const deadline = performance.now() + STORM_LIMIT_MS;
      const sending = sender.spreadOver(chats, spreadMs(options), deadline);
      const cpuOfOther = cpuSecondsOf(stayingPid);
      progress(options, `rolling: restarting node ${node + 1}`);
      await cluster.restart(node);
      for (const proxy of proxies)
        if (!(await proxy.server(`node${node + 1}`, "UP")))
          throw new Error(`node${node + 1} not UP: ${proxy.log()}`);
      const upAt = now();
      progress(options, `rolling: node ${node + 1} UP after ${seconds(upAt - stoppedAt)}`);
      const restartedPid = cluster.nodes[node]?.child.pid as number;
      const restartedCpu = cpuSecondsOf(restartedPid);
      await sending;
      const report = await untilComplete(swarm, sender, stoppedAt + STORM_LIMIT_MS, (line) =>
        progress(options, line),
      );
      assertOnServerCore(stayingPid, SERVER_CORE);
      assertOnServerCore(restartedPid, startCore[node]);
      proxies.forEach((proxy, p) => {
        const lines = stateChanges(proxy.log());
        for (const line of lines.slice(reported[p])) progress(options, `HAProxy ${p + 1}: ${line}`);
        reported[p] = lines.length;
      });
      // CPU of the node that stayed (it took the storm) and of the restarted one once it was UP.
      const other = cpuSecondsOf(stayingPid) - cpuOfOther;
      const restarted = cpuSecondsOf(restartedPid) - restartedCpu;
      storms.push({
        report,
        totalMs: max(report.completedAt) - stoppedAt,
        serverCpuSeconds: other + restarted,
        stayedCpuSeconds: other,
        generator: generator(),
        sent: sender.ackedCount - sentBefore,
        retries: sender.retries - retriesBefore,
        restartMs: upAt - stoppedAt,
        startCpuSeconds: restartedCpu,
        listenOverflows: overflowsSince(overflowsBefore),
      });
    }
    return storms;
  } finally {
    await swarm.close();
    for (const proxy of proxies) await proxy.stop();
    await cluster?.close();
    await kill(redis);
    await database.drop();
  }
}

export async function reconnectStorm(options: BenchOptions): Promise<ScenarioResult> {
  const sizes: Sizes = bySize(options, {
    full: { sockets: 10_000, chats: 100, users: 10, workers: 2 },
    quick: { sockets: 2_000, chats: 100, users: 10, workers: 2 },
    smoke: { sockets: 20, chats: 20, users: 2, workers: 1 },
  });
  // Both sides hold one descriptor per socket; HAProxy two (client and node side).
  const limit = raiseOpenFilesLimit(4 * sizes.sockets + 1000);
  const single = options.stormCase === "rolling" ? undefined : await oneNode(sizes, options);
  // The rolling case needs PostgreSQL, Redis and HAProxy (as resilience/haproxy.test.ts); without them, only case 1.
  const rollingSkip =
    options.stormCase === "one-node"
      ? "--case one-node"
      : sharedPostgresSkip || redisSkip() || toolSkip("haproxy", ["-v"]);
  if (single)
    progress(
      options,
      `one node: ${single.report.completedAt.length}/${single.report.sockets} caught up; ${describeStorm(single)}`,
    );
  // A rolling restart that fails (a node not starting in time on a loaded machine) leaves case 1's figures.
  let rollingError = "";
  const rolling = rollingSkip
    ? []
    : await rollingRestart(sizes, options).catch((error: unknown) => {
        if (options.mode === "smoke") throw error; // the smoke test proves the case runs
        rollingError = `rolling restart failed: ${(error as Error).message.split("\n")[0]}`;
        return [];
      });
  const judged = (storm: Storm) =>
    pinnedVerdict(
      (storm.fromUpMs ?? storm.totalMs) <= TARGET_SECONDS * 1000 &&
        storm.report.missing === 0 &&
        storm.report.completedAt.length === storm.report.sockets,
    );
  const rows: Row[] = [
    ...(single ? [single] : []).map((storm) =>
      row({
        name: `${sizes.sockets} sockets × ${CHATS_PER_SOCKET} chats, 1 node killed + restarted: node up → all caught up`,
        unit: "s",
        value: (storm.fromUpMs ?? Number.NaN) / 1000,
        baselineName: "target",
        baseline: TARGET_SECONDS,
        detail: `kill → all caught up ${seconds(storm.totalMs)}; ${describeStorm(storm)}`,
        target: `≤ ${TARGET_SECONDS} s, lost 0`,
        met: judged(storm),
        issue: "16.6",
      }),
    ),
    ...rolling.map((storm, node) =>
      row({
        name: `${sizes.sockets} sockets, rolling restart of 2 nodes behind HAProxy (${PROXIES} processes), node ${node + 1}: SIGTERM → all caught up`,
        unit: "s",
        value: storm.totalMs / 1000,
        baselineName: "target",
        baseline: TARGET_SECONDS,
        detail: `${describeStorm(storm)}; of it the node that stayed ${format(storm.stayedCpuSeconds ?? Number.NaN)} s`,
        target: `≤ ${TARGET_SECONDS} s, lost 0`,
        met: judged(storm),
        issue: "16.6",
      }),
    ),
  ];
  return {
    scenario: "reconnect-storm",
    rows,
    notes: [
      `clients reconnect with ${BACKOFF_DESCRIPTION}; after each connect: ${options.perChat ? "subscribe + catch-up (messages rel next) per chat (--per-chat: an older server's way)" : "one resume for all chats, then messages pages where it says more"}, as src/client/socket.ts`,
      `${sizes.workers} load-generator processes (bench/lib/swarm-worker.ts); generator CPU = theirs + this process's`,
      "rolling: each node drains 3 s after SIGTERM (CERTCHAT_DRAIN_DELAY) before closing its sockets; the figure includes it",
      `servers run ${process.env.BENCH_CERTCHAT === "current" ? "the compiled dist/ when it is this source's (BENCH_CERTCHAT=current)" : "the TypeScript through tsx, as every bench child (a compiled node starts in about half the CPU)"}`,
      `rolling: ${PROXIES} HAProxy processes with the same deploy/haproxy.cfg, each carrying half the sockets (one process cannot hold 2 descriptors per socket under the 20,000 open-files cap)`,
      ...(rollingSkip ? [`rolling restart not run: ${rollingSkip}`] : []),
      ...(rollingError ? [rollingError] : []),
      ...(options.pinned && !rollingSkip
        ? [
            options.rollingCores !== "shared"
              ? "rolling, pinned: the node taking each storm on core 0 alone, the node restarting on core 1 with the load generators (two nodes are two hosts; --rolling-cores shared puts both on core 0)"
              : "rolling, pinned: both nodes on core 0 (--rolling-cores shared): the node taking each storm shares its core with the other's drain and start",
          ]
        : []),
      `open files limit ${limit}; server CPU: one node = the restarted node from its start; rolling = the node that stayed + the restarted one`,
    ],
  };
}

await runIfMain(import.meta.url, reconnectStorm);
