/**
 * /api/profile/ requests per second at a fixed concurrency over keep-alive connections, against a bare Fastify
 * route on the same machine answering the same JSON (the HTTP framework's own ceiling). Target: ≥ 0.5×.
 * Run: node --import tsx bench/rest.ts [--quick]
 */
import Fastify from "fastify";
import { chatUser } from "../test/support/chats.ts";
import { startBenchServer } from "./lib/fixtures.ts";
import { JsonClient } from "./lib/json-client.ts";
import { type BenchOptions, bySize } from "./lib/options.ts";
import { row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

const TARGET_RATIO = 0.5;

/** A Fastify app with nothing but one POST route answering `answer`. */
async function startBareFastify(answer: unknown): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  app.post("/api/profile/", async () => answer);
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { url, close: () => app.close() };
}

export async function rest(options: BenchOptions): Promise<ScenarioResult> {
  const concurrency = bySize(options, { full: 50, quick: 50, smoke: 4 });
  const rounds = bySize(options, { full: 3, quick: 1, smoke: 1 });
  const secondsPerRound = bySize(options, { full: 5, quick: 3, smoke: 0.1 });
  const server = await startBenchServer();
  const user = await chatUser(server);
  const body = { token: user.token };
  const profile = await server.post("/api/profile/", body);
  if (!profile.body.success) throw new Error(`profile failed: ${profile.body.error}`);
  const bare = await startBareFastify(profile.body);
  const appClient = new JsonClient(server.url, concurrency);
  const bareClient = new JsonClient(bare.url, concurrency);
  const load = (client: JsonClient) => () => client.call("/api/profile/", body).then(() => undefined);
  try {
    let appDone = 0;
    let appSeconds = 0;
    let bareDone = 0;
    let bareSeconds = 0;
    await closedLoopRate(concurrency, secondsPerRound / 2, load(bareClient)); // warm-up
    await closedLoopRate(concurrency, secondsPerRound / 2, load(appClient));
    // Alternating rounds, so a burst of load from elsewhere on the machine hits both sides alike.
    for (let round = 0; round < rounds; round++) {
      const baseline = await closedLoopRate(concurrency, secondsPerRound, load(bareClient));
      bareDone += baseline.completed;
      bareSeconds += baseline.seconds;
      const measured = await closedLoopRate(concurrency, secondsPerRound, load(appClient));
      appDone += measured.completed;
      appSeconds += measured.seconds;
    }
    const value = appDone / appSeconds;
    const baseline = bareDone / bareSeconds;
    return {
      scenario: "rest",
      rows: [
        row({
          name: `/api/profile/, ${concurrency} concurrent`,
          unit: "req/s",
          value,
          baselineName: "bare Fastify req/s",
          baseline,
          detail: `${rounds} alternating rounds of ${secondsPerRound} s`,
          target: `≥ ${TARGET_RATIO}×`,
          met: value >= TARGET_RATIO * baseline,
        }),
      ],
      notes: ["SQLite storage; load generator and both servers share one process on the same machine"],
    };
  } finally {
    appClient.close();
    bareClient.close();
    await bare.close();
    await server.close();
  }
}

await runIfMain(import.meta.url, rest);
