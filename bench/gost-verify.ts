/**
 * Verifications per second on one core: GOST R 34.10-2012 (256, 512) in pure JS against node:crypto's
 * ECDSA P-256 verify as the baseline. Run: node --import tsx bench/gost-verify.ts [seconds-per-case]
 */
import { createSign, createVerify, generateKeyPairSync } from "node:crypto";
import { curveByOid, type GostCurve } from "../src/crypto/gost/curves.ts";
import {
  generateGostKeyPair,
  precomputeGostPublicKey,
  signGostDigest,
  verifyGostDigest,
} from "../src/crypto/gost/gost3410.ts";

const secondsPerCase = Number(process.argv[2] ?? 2);

/** Runs `fn` repeatedly for about `secondsPerCase` seconds (after a warm-up) and returns calls per second. */
function measure(fn: () => boolean): number {
  for (let i = 0; i < 20; i++) if (!fn()) throw new Error("benchmark case does not verify");
  let calls = 0;
  const start = performance.now();
  const deadline = start + secondsPerCase * 1000;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) fn();
    calls += 10;
    now = performance.now();
  }
  return (calls * 1000) / (now - start);
}

function gostCase(curve: GostCurve, precomputedKey = false): () => boolean {
  const { privateKey, publicKey } = generateGostKeyPair(curve);
  if (precomputedKey) precomputeGostPublicKey(publicKey);
  const digest = crypto.getRandomValues(new Uint8Array(curve.byteLength));
  const signature = signGostDigest({ curve, privateKey, digest });
  return () => verifyGostDigest({ curve, publicKey, digest, signature });
}

function ecdsaP256Case(): () => boolean {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const data = Buffer.from("certchat benchmark message");
  const signature = createSign("sha256").update(data).sign(privateKey);
  return () => createVerify("sha256").update(data).verify(publicKey, signature);
}

const baseline = measure(ecdsaP256Case());
const cases: [string, () => boolean][] = [
  ["GOST 2012-256 (tc26-256-B / CryptoPro-A)", gostCase(curveByOid("1.2.643.7.1.2.1.1.2"))],
  ["GOST 2012-256 (tc26-256-A, cofactor 4)", gostCase(curveByOid("1.2.643.7.1.2.1.1.1"))],
  ["GOST 2012-512 (tc26-512-A)", gostCase(curveByOid("1.2.643.7.1.2.1.2.1"))],
  ["GOST 2012-256, precomputed (cached CA) key", gostCase(curveByOid("1.2.643.7.1.2.1.1.2"), true)],
  ["GOST 2012-512, precomputed (cached CA) key", gostCase(curveByOid("1.2.643.7.1.2.1.2.1"), true)],
];

console.log(`node ${process.version}, ${secondsPerCase}s per case, one core`);
console.log(
  `${"ECDSA P-256 (node:crypto, baseline)".padEnd(44)} ${baseline.toFixed(0).padStart(7)} verify/s`,
);
for (const [name, fn] of cases) {
  const rate = measure(fn);
  const ratio = baseline / rate;
  console.log(
    `${name.padEnd(44)} ${rate.toFixed(0).padStart(7)} verify/s  ${(1000 / rate).toFixed(2)} ms/verify  ${ratio.toFixed(1)}× slower than P-256`,
  );
}
