/**
 * Signature verifications per second on one core — GOST R 34.10-2012 256/512 in JS and (when Debian's
 * libengine-gost-openssl is installed) through the engine, ECDSA P-256 and Ed25519 through node:crypto —
 * with ratios to ECDSA P-256; then whole login checks (parse, chain, signature) per second on the main
 * thread against the verification pool with 2 workers. Writes JSON to bench/results/.
 * Run: node --import tsx bench/verify.ts [seconds-per-case]
 */
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { curveByOid, type GostCurve } from "../src/crypto/gost/curves.ts";
import { generateGostKeyPair, signGostDigest, verifyGostDigest } from "../src/crypto/gost/gost3410.ts";
import { streebog256, streebog512 } from "../src/crypto/gost/streebog.ts";
import { createTestCa, issueTestCertificate } from "../src/server/test-ca.ts";
import { gostEngineKnownAnswers, loadGostEngine } from "../src/server/verification/gost-engine.ts";
import { InThreadLoginChecker, type LoginCheckInput } from "../src/server/verification/login-check.ts";
import { createServerPki } from "../src/server/verification/server-pki.ts";
import { VerifyPool } from "../src/server/verification/verify-pool.ts";
import { trustStoreFromPaths } from "../test/support/pki.ts";
import { signRawForTest } from "../test/support/raw-sign.ts";

const secondsPerCase = Number(process.argv[2] ?? 1);
const message = new TextEncoder().encode("certchat benchmark: a login nonce or a certificate's DER bytes");

/** Calls per second of `fn` over about `secondsPerCase` seconds, after a warm-up. */
function measure(fn: () => boolean): number {
  for (let i = 0; i < 10; i++) if (!fn()) throw new Error("benchmark case does not verify");
  let calls = 0;
  const start = performance.now();
  let now = start;
  while (now < start + secondsPerCase * 1000) {
    fn();
    calls++;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

/** Our JS verifier as a login meets it: hash the message, verify with a key parsed once. */
function gostJs(curve: GostCurve, hash: (data: Uint8Array) => Uint8Array): () => boolean {
  const { privateKey, publicKey } = generateGostKeyPair(curve);
  const signature = signGostDigest({ curve, privateKey, digest: hash(message) });
  return () => verifyGostDigest({ curve, publicKey, digest: hash(message), signature });
}

function gostEngine(keyAlgorithm: string, digest: string): () => boolean {
  const vector = gostEngineKnownAnswers().find((v) => v.keyAlgorithm === keyAlgorithm);
  if (!vector) throw new Error(`no known answer for ${keyAlgorithm}`);
  const key = createPublicKey({ key: Buffer.from(vector.spki), format: "der", type: "spki" });
  return () => verify(digest, vector.message, key, vector.signature);
}

function nodeCase(type: "ec" | "ed25519"): () => boolean {
  const { privateKey, publicKey } =
    type === "ec" ? generateKeyPairSync("ec", { namedCurve: "P-256" }) : generateKeyPairSync("ed25519");
  const hash = type === "ec" ? "sha256" : null;
  const signature = sign(hash, message, privateKey);
  return () => verify(hash, message, publicKey, signature);
}

const engine = loadGostEngine("auto");
const cases: [string, () => boolean][] = [
  ["ECDSA P-256 (node:crypto)", nodeCase("ec")],
  ["Ed25519 (node:crypto)", nodeCase("ed25519")],
  ["GOST 2012-256 JS (CryptoPro-A)", gostJs(curveByOid("1.2.643.2.2.35.1"), streebog256)],
  ["GOST 2012-512 JS (tc26-512-A)", gostJs(curveByOid("1.2.643.7.1.2.1.2.1"), streebog512)],
];
if (engine.engine) {
  cases.push(
    ["GOST 2012-256 engine (CryptoPro-B)", gostEngine("gost2012-256", "md_gost12_256")],
    ["GOST 2012-512 engine (tc26-512-A)", gostEngine("gost2012-512", "md_gost12_512")],
  );
}

const rates = cases.map(([name, fn]) => ({ name, perSecond: measure(fn) }));
const baseline = rates[0]?.perSecond ?? 1;
console.log(`node ${process.version}, ${cpus()[0]?.model ?? "cpu"}, ${secondsPerCase}s per case`);
console.log(`GOST engine: ${engine.engine ? engine.path : `not used (${engine.reason})`}\n`);
console.log(
  `${"verification (one core)".padEnd(38)} ${"verify/s".padStart(9)} ${"ms each".padStart(8)}  vs P-256`,
);
for (const { name, perSecond } of rates) {
  const ratio = perSecond / baseline;
  console.log(
    `${name.padEnd(38)} ${perSecond.toFixed(0).padStart(9)} ${(1000 / perSecond).toFixed(3).padStart(8)}  ${ratio >= 1 ? `${ratio.toFixed(2)}×` : `1/${(1 / ratio).toFixed(1)}`}`,
  );
}

// Whole login checks: what /api/auth/ spends per request, in this thread vs the pool.
const dir = mkdtempSync(join(tmpdir(), "certchat-bench-"));
const caDir = join(dir, "ca");
await createTestCa(caDir);
const user = await issueTestCertificate(caDir, { name: "Бенчев Б Б", snils: "11223344595" });
const trust = await trustStoreFromPaths([join(caDir, "ca.pem")]);
const login: LoginCheckInput = {
  der: user.der,
  signature: signRawForTest(user.keyPem, user.der),
  now: Date.now(),
};

async function loginsPerSecond(check: (input: LoginCheckInput) => Promise<unknown>, parallel: number) {
  const deadline = performance.now() + secondsPerCase * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (performance.now() < deadline) {
        await check(login);
        done++;
      }
    }),
  );
  return (done * 1000) / (performance.now() - start);
}

const inThread = new InThreadLoginChecker(createServerPki({ trust: trust.material() }));
await loginsPerSecond((input) => inThread.checkLogin(input), 1); // warm-up
const mainThread = await loginsPerSecond((input) => inThread.checkLogin(input), 1);
const pool = await VerifyPool.start({
  size: 2,
  queueLimit: 1024,
  setup: { trust: trust.material(), gostEngine: engine.engine },
});
await loginsPerSecond((input) => pool.checkLogin(input), 8); // warm-up
const pooled = await loginsPerSecond((input) => pool.checkLogin(input), 8);
await pool.close();
rmSync(dir, { recursive: true, force: true });

console.log(`\n${"ECDSA P-256 login check".padEnd(38)} ${"checks/s".padStart(9)}`);
console.log(`${"main thread".padEnd(38)} ${mainThread.toFixed(0).padStart(9)}`);
console.log(
  `${"pool, 2 workers".padEnd(38)} ${pooled.toFixed(0).padStart(9)}  ${(pooled / mainThread).toFixed(2)}×`,
);

const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  cores: cpus().length,
  secondsPerCase,
  gostEngine: engine,
  verifyPerSecond: Object.fromEntries(rates.map((r) => [r.name, Math.round(r.perSecond)])),
  ratioToEcdsaP256: Object.fromEntries(
    rates.map((r) => [r.name, Number((r.perSecond / baseline).toFixed(3))]),
  ),
  loginChecksPerSecond: { mainThread: Math.round(mainThread), pool2Workers: Math.round(pooled) },
};
const resultsDir = new URL("./results/", import.meta.url);
mkdirSync(resultsDir, { recursive: true });
const file = new URL(`verify-${results.date.replace(/[:.]/g, "-")}.json`, resultsDir);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwrote ${file.pathname}`);
