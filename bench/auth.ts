/**
 * Completed logins (auth + confirmAuth) per second over HTTP for ECDSA P-256 and GOST 2012-256 users, each
 * against a test CA of the same algorithm. Baseline: bare node:crypto ECDSA P-256 verifications per second on
 * one thread, measured in the same run. A login costs the server three verifications (the certificate's chain
 * signature, the signature over the certificate, the signature over the nonce) on its verification pool. The
 * server runs as a child process; this process is the load generator and signs each nonce. Targets (issue 16,
 * target 5, judged pinned): ≥ 2,000 ECDSA P-256 and ≥ 1,000 GOST-256 logins/s.
 * Run: node --import tsx bench/auth.ts [--quick] [--pinned] [--repeat N]
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { encodeBase64 } from "../src/protocol/base64.ts";
import type { IssueAlgorithm } from "../src/server/test-ca.ts";
import { issueUser } from "../test/support/server.ts";
import { alternating, median } from "./lib/alternate.ts";
import { type BackendName, startCertchatChild } from "./lib/certchat-child.ts";
import { describeUsage, usageMeter } from "./lib/child-process.ts";
import { JsonClient } from "./lib/json-client.ts";
import { type BenchOptions, bySize, repetitions } from "./lib/options.ts";
import { format, pinnedVerdict, type Row, row, runIfMain, type ScenarioResult } from "./lib/report.ts";
import { closedLoopRate } from "./lib/stats.ts";

/** node:crypto ECDSA P-256 verifications per second, one after another on this thread. */
function ecdsaVerifiesPerSecond(seconds: number): number {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const data = Buffer.from("certchat benchmark: a login nonce");
  const signature = sign("sha256", data, privateKey);
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) {
    if (!verify("sha256", data, publicKey, signature)) throw new Error("baseline does not verify");
    calls++;
  }
  return (calls * 1000) / (performance.now() - start);
}

/**
 * A SNILS whose check number is right, as a real CA's certificates carry: a wrong one makes the server log a
 * warning at every login (the operator's notice of bad check digits), which is not a login's cost.
 */
function snilsWithCheck(body: number): string {
  const digits = String(body).padStart(9, "0");
  const sum = [...digits].reduce((total, digit, at) => total + Number(digit) * (9 - at), 0);
  return digits + String((sum % 101) % 100).padStart(2, "0");
}

async function loginsPerSecond(
  alg: IssueAlgorithm & ("ecdsa-p256" | "gost2012-256"),
  backend: BackendName,
  options: BenchOptions,
) {
  const concurrency = bySize(options, { full: 8, quick: 8, smoke: 2 });
  const seconds = bySize(options, { full: 10, quick: 3, smoke: 0.1 });
  const server = await startCertchatChild(backend, { caAlg: alg });
  const client = new JsonClient(server.url, concurrency);
  try {
    const users = await Promise.all(
      Array.from({ length: concurrency }, (_, i) =>
        issueUser(server.api, {
          alg,
          signLayout: alg === "gost2012-256" ? "standard" : undefined,
          snils: snilsWithCheck(100_000_000 + i),
        }),
      ),
    );
    const credentials = users.map((user) => ({
      user,
      auth: { cert: encodeBase64(user.der), sign: user.sign(user.der) },
    }));
    const logIn = async (worker: number) => {
      const { user, auth } = credentials[worker] as (typeof credentials)[number];
      const { nonce, token } = await client.call<{ nonce: string; token: string }>("/api/auth/", auth);
      await client.call("/api/confirmAuth/", { token, sign: user.sign(Buffer.from(nonce, "base64")) });
    };
    await closedLoopRate(concurrency, Math.min(1, seconds), logIn); // warm-up: workers, JIT
    const usage = usageMeter(server.pid);
    const rate = await closedLoopRate(concurrency, seconds, logIn);
    return { ...rate, usage: usage() };
  } finally {
    client.close();
    await server.dispose();
  }
}

/** The threads that used the most CPU, as µs per login: "main 600, 1234 node 300, …". */
function perThread(usage: { byThread: { thread: string; seconds: number }[] }, logins: number): string {
  return usage.byThread
    .slice(0, 6)
    .map(({ thread, seconds }) => `${thread} ${format((seconds * 1e6) / logins)}`)
    .join(", ");
}

/** Issue 16's targets (JS GOST; more with the engine). */
const TARGETS = { "ecdsa-p256": 2000, "gost2012-256": 1000 } as const;

export async function auth(options: BenchOptions): Promise<ScenarioResult> {
  const baselineSeconds = bySize(options, { full: 3, quick: 1, smoke: 0.05 });
  // Measured next to each run, so both figures see the same load on the machine.
  const measure = (alg: keyof typeof TARGETS, backend: BackendName) => async () => {
    const logins = await loginsPerSecond(alg, backend, options);
    return { ...logins, baseline: ecdsaVerifiesPerSecond(baselineSeconds) };
  };
  const outcomes = await alternating(repetitions(options), {
    "ecdsa-p256": measure("ecdsa-p256", "sqlite"),
    "gost2012-256": measure("gost2012-256", "sqlite"),
    "ecdsa-p256 postgres": measure("ecdsa-p256", "postgres"),
  });
  const rows: Row[] = [];
  const cases = [
    { key: "ecdsa-p256", alg: "ecdsa-p256", storage: "" },
    { key: "gost2012-256", alg: "gost2012-256", storage: "" },
    { key: "ecdsa-p256 postgres", alg: "ecdsa-p256", storage: ", PostgreSQL" },
  ] as const;
  for (const { key, alg, storage } of cases) {
    const runs = outcomes[key];
    const last = runs[runs.length - 1] as (typeof runs)[number];
    const perSecond = median(runs.map((r) => r.perSecond));
    const reps = runs.length > 1 ? `; reps ${runs.map((r) => format(r.perSecond)).join(" / ")}` : "";
    rows.push(
      row({
        name: `${alg} auth+confirmAuth${storage}`,
        unit: "logins/s",
        value: perSecond,
        baselineName: "ECDSA verify/s, 1 thread",
        baseline: median(runs.map((r) => r.baseline)),
        repetitions: runs.map((r) => r.perSecond),
        target: `≥ ${TARGETS[alg]} logins/s`,
        met: pinnedVerdict(perSecond >= TARGETS[alg]),
        issue: "16.5",
        detail:
          `${last.completed} logins in ${last.seconds.toFixed(1)} s; server ` +
          `${format((last.usage.cpuSeconds * 1e6) / last.completed)} µs CPU per login, ${describeUsage(last.usage)}${reps}; ` +
          `by thread (µs per login): ${perThread(last.usage, last.completed)}`,
      }),
    );
  }
  return {
    scenario: "auth",
    rows,
    notes: [
      "server verification pool: one worker per core it may run on (pinned: one); SQLite storage unless the case names PostgreSQL (127.0.0.1, same machine); a login is 2 HTTP requests and 3 server-side verifications",
      "the server runs as a child process; this process signs each nonce (GOST in JS): pinned, on the other core",
    ],
  };
}

await runIfMain(import.meta.url, auth);
