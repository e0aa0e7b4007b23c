/**
 * GOST signatures per second on one core: the hedged signer (nonce by HMAC-DRBG, blinded s) against the
 * same arithmetic with a given k (what the nonce derivation costs) and noble's hedged ECDSA P-256 sign
 * (the same DRBG) as the baseline. Run: node --import tsx bench/gost-sign.ts [seconds-per-case]
 */
import { p256 } from "@noble/curves/nist.js";
import { curveByOid, type GostCurve } from "../src/crypto/gost/curves.ts";
import {
  generateGostKeyPair,
  signGostDigest,
  signGostDigestWithFixedNonce,
} from "../src/crypto/gost/gost3410.ts";

const secondsPerCase = Number(process.argv[2] ?? 2);

/** Runs `fn` repeatedly for about `secondsPerCase` seconds (after a warm-up) and returns calls per second. */
function measure(fn: () => unknown): number {
  for (let i = 0; i < 20; i++) fn();
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

function gostCases(label: string, curve: GostCurve): [string, () => unknown][] {
  const { privateKey } = generateGostKeyPair(curve);
  const digest = crypto.getRandomValues(new Uint8Array(curve.byteLength));
  const k = generateGostKeyPair(curve).privateKey;
  return [
    [`${label}, hedged nonce`, () => signGostDigest({ curve, privateKey, digest })],
    [
      `${label}, given k (no nonce derivation)`,
      () => signGostDigestWithFixedNonce({ curve, privateKey, digest, k }),
    ],
  ];
}

const p256Key = p256.utils.randomSecretKey();
const p256Hash = crypto.getRandomValues(new Uint8Array(32));
const cases: [string, () => unknown][] = [
  [
    "ECDSA P-256 (noble, extraEntropy)",
    () => p256.sign(p256Hash, p256Key, { prehash: false, extraEntropy: true }),
  ],
  ...gostCases("GOST 2012-256 (CryptoPro-A)", curveByOid("1.2.643.2.2.35.1")),
  ...gostCases("GOST 2012-256 (tc26-256-A, cofactor 4)", curveByOid("1.2.643.7.1.2.1.1.1")),
  ...gostCases("GOST 2012-512 (tc26-512-A)", curveByOid("1.2.643.7.1.2.1.2.1")),
];

console.log(`node ${process.version}, ${secondsPerCase}s per case, one core`);
for (const [name, fn] of cases) {
  const rate = measure(fn);
  console.log(
    `${name.padEnd(70)} ${rate.toFixed(0).padStart(6)} sign/s  ${(1000 / rate).toFixed(2)} ms/sign`,
  );
}
