/**
 * /api/profile/ requests per second at a fixed concurrency over keep-alive connections, against a bare Fastify
 * route answering the same JSON (the HTTP framework's own ceiling). Both servers run as child processes, one
 * at a time busy, and the bench process is the load generator. Target: ≥ 0.5×.
 * Run: node --import tsx bench/rest.ts [--quick]
 */
import { chatUser } from "../test/support/chats.ts";
import { startBareChild } from "./lib/bare-child.ts";
import { startCertchatChild } from "./lib/certchat-child.ts";
import { usageMeter } from "./lib/child-process.ts";
import { JsonClient } from "./lib/json-client.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGET_RATIO = 0.5;

interface Side {
  pid: number;
  done: number;
  seconds: number;
  /** CPU seconds the side's server used during its rounds. */
  cpuSeconds: number;
}

export async function rest(options: BenchOptions): Promise<ScenarioResult> {
  const concurrency = bySize(options, { full: 50, quick: 50, smoke: 4 });
  const rounds = bySize(options, { full: 3, quick: 1, smoke: 1 });
  const secondsPerRound = bySize(options, { full: 5, quick: 3, smoke: 0.1 });
  const server = await startCertchatChild("sqlite");
  let bare: Awaited<ReturnType<typeof startBareChild>> | undefined;
  let appClient: JsonClient | undefined;
  let bareClient: JsonClient | undefined;
  try {
    const user = await chatUser(server.api);
    const body = { token: user.token };
    const profile = await server.api.post("/api/profile/", body);
    if (!profile.body.success) throw new Error(`profile failed: ${profile.body.error}`);
    bare = await startBareChild("fastify", { BENCH_ANSWER: JSON.stringify(profile.body) });
    appClient = new JsonClient(server.url, concurrency);
    bareClient = new JsonClient(bare.url, concurrency);
    const load = (client: JsonClient) => () => client.call("/api/profile/", body).then(() => undefined);
    const app: Side = { pid: server.pid, done: 0, seconds: 0, cpuSeconds: 0 };
    const baseline: Side = { pid: bare.pid, done: 0, seconds: 0, cpuSeconds: 0 };
    const run = async (side: Side, client: JsonClient) => {
      const usage = usageMeter(side.pid);
      const rate = await closedLoopRate(concurrency, secondsPerRound, load(client));
      side.cpuSeconds += usage().cpuSeconds;
      side.done += rate.completed;
      side.seconds += rate.seconds;
    };
    const microsPerRequest = (side: Side) => ((side.cpuSeconds / side.done) * 1e6).toFixed(0);
    await closedLoopRate(concurrency, secondsPerRound / 2, load(bareClient)); // warm-up: JIT on both sides
    await closedLoopRate(concurrency, secondsPerRound / 2, load(appClient));
    // Alternating rounds, so a burst of load from elsewhere on the machine hits both sides alike.
    for (let round = 0; round < rounds; round++) {
      await run(baseline, bareClient);
      await run(app, appClient);
    }
    const value = app.done / app.seconds;
    const bareRate = baseline.done / baseline.seconds;
    return {
      scenario: "rest",
      rows: [
        row({
          name: `/api/profile/, ${concurrency} concurrent`,
          unit: "req/s",
          value,
          baselineName: "bare Fastify req/s",
          baseline: bareRate,
          detail:
            `${rounds} alternating rounds of ${secondsPerRound} s; server CPU per request ` +
            `${microsPerRequest(app)} µs (bare ${microsPerRequest(baseline)} µs)`,
          target: `≥ ${TARGET_RATIO}×`,
          met: value >= TARGET_RATIO * bareRate,
        }),
      ],
      notes: [
        "SQLite storage; certchat and the bare Fastify app each in a child process; this process loads them",
      ],
    };
  } finally {
    appClient?.close();
    bareClient?.close();
    await bare?.stop();
    await server.dispose();
  }
}

await runIfMain(import.meta.url, rest);
