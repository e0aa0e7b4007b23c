/**
 * Streebog-256 throughput on 1 MiB, with node:crypto SHA-256 on the same data as a baseline.
 * Run: node --import tsx bench/streebog.ts
 */
import { createHash } from "node:crypto";
import { streebog256 } from "../src/crypto/gost/streebog.ts";

const MIB = 1 << 20;
const RUNS = 20;

function bestMegabytesPerSecond(hashOnce: (data: Uint8Array) => unknown, data: Uint8Array): number {
  for (let i = 0; i < 3; i++) hashOnce(data); // warm-up so the JIT has optimised the hot loop
  let best = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    hashOnce(data);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, data.length / MIB / seconds);
  }
  return best;
}

const data = new Uint8Array(MIB).map((_, i) => (i * 2654435761) >>> 24);
const streebog = bestMegabytesPerSecond(streebog256, data);
const sha256 = bestMegabytesPerSecond((d) => createHash("sha256").update(d).digest(), data);

console.log(`Streebog-256 (ours, pure TS): ${streebog.toFixed(1)} MB/s`);
console.log(`SHA-256 (node:crypto):        ${sha256.toFixed(1)} MB/s`);
console.log(`ratio SHA-256 / Streebog-256:  ${(sha256 / streebog).toFixed(1)}×`);
