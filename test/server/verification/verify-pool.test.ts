import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseCertificate } from "../../../src/pki/certificate.ts";
import type { TrustStore } from "../../../src/pki/trust.ts";
import {
  createTestCa,
  createTestCrl,
  type IssuedCertificate,
  issueTestCertificate,
} from "../../../src/server/test-ca.ts";
import { InThreadLoginChecker, type LoginCheckInput } from "../../../src/server/verification/login-check.ts";
import { createServerPki } from "../../../src/server/verification/server-pki.ts";
import {
  VerificationUnavailableError,
  VerifyPool,
  type VerifyPoolOptions,
} from "../../../src/server/verification/verify-pool.ts";
import { trustStoreFromPaths, trustStoreOf } from "../../support/pki.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir();
const DAY_MS = 86_400_000;
const GATED_WORKER = new URL("../../support/gated-verify-worker.mjs", import.meta.url);

interface Fixture {
  caDir: string;
  otherCaDir: string;
  trust: TrustStore;
  ecdsa: IssuedCertificate;
  rsa: IssuedCertificate;
  ed25519: IssuedCertificate;
  expired: IssuedCertificate;
  revoked: IssuedCertificate;
  foreign: IssuedCertificate;
}

let fixture: Fixture;

before(async () => {
  const caDir = join(await tempDir(), "ca");
  const otherCaDir = join(await tempDir(), "other-ca");
  await createTestCa(caDir);
  await createTestCa(otherCaDir);
  const issue = (alg: "ecdsa-p256" | "rsa-2048" | "ed25519" = "ecdsa-p256", extra = {}) =>
    issueTestCertificate(caDir, { name: "Пулов Пётр Петрович", snils: "11223344595", alg, ...extra });
  const revoked = await issue();
  const crl = await createTestCrl(caDir, {
    revokedSerials: [parseCertificate(revoked.der).serialNumber],
  });
  const trust = await trustStoreFromPaths([join(caDir, "ca.pem")]);
  fixture = {
    caDir,
    otherCaDir,
    trust: trustStoreOf(trust.anchors, [crl.der]),
    ecdsa: await issue(),
    rsa: await issue("rsa-2048"),
    ed25519: await issue("ed25519"),
    expired: await issue("ecdsa-p256", {
      notBefore: new Date(Date.now() - 10 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    }),
    revoked,
    foreign: await issueTestCertificate(otherCaDir, { name: "Чужой Ч Ч" }),
  };
});

function loginOf(user: IssuedCertificate, signer: IssuedCertificate = user): LoginCheckInput {
  return { der: user.der, signature: signRawForTest(signer.keyPem, user.der), now: Date.now() };
}

function startPool(options: Partial<VerifyPoolOptions> = {}): Promise<VerifyPool> {
  return VerifyPool.start({
    size: 2,
    queueLimit: 16,
    setup: { trust: fixture.trust.material(), gostEngine: false },
    ...options,
  });
}

/** A pool whose workers hold every job until `open()`; a job signed 0xDE 0xAD kills its worker. */
async function startGatedPool(options: Partial<VerifyPoolOptions> = {}) {
  const gate = new SharedArrayBuffer(4);
  const pool = await startPool({ workerUrl: GATED_WORKER, workerExtra: { gate }, ...options });
  const open = () => {
    const view = new Int32Array(gate);
    Atomics.store(view, 0, 1);
    Atomics.notify(view, 0);
  };
  return { pool, open };
}

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

function unavailable(reason: string) {
  return (error: unknown) => error instanceof VerificationUnavailableError && error.reason === reason;
}

describe("verification pool", () => {
  let pool: VerifyPool;
  before(async () => {
    pool = await startPool();
  });
  after(async () => pool.close());

  test("answers logins exactly as the in-thread check does", async () => {
    const direct = new InThreadLoginChecker(createServerPki({ trust: fixture.trust.material() }));
    const now = Date.now();
    const cases: LoginCheckInput[] = [
      loginOf(fixture.ecdsa),
      loginOf(fixture.rsa),
      loginOf(fixture.ed25519),
      { ...loginOf(fixture.ecdsa, fixture.rsa), now },
      loginOf(fixture.expired),
      loginOf(fixture.revoked),
      loginOf(fixture.foreign),
      { der: new Uint8Array(200).fill(0x30), signature: new Uint8Array(64), now },
      { der: fixture.ecdsa.der, signature: new Uint8Array(2000), now },
    ];
    const fromPool = await Promise.all(cases.map((input) => pool.checkLogin(input)));
    const inThread = await Promise.all(cases.map((input) => direct.checkLogin(input)));
    assert.deepEqual(fromPool, inThread);
    assert.deepEqual(
      fromPool.map((verdict) => (verdict.ok ? "ok" : verdict.problem)),
      ["ok", "ok", "ok", "signature", "expired", "certificate", "certificate", "certificate", "signature"],
    );
    const first = fromPool[0];
    assert.ok(first?.ok);
    assert.equal(first.certificate.subject.snils, "11223344595");
    assert.deepEqual(first.certificate.der, fixture.ecdsa.der);
  });

  test("checks a signature over other data, such as the login nonce", async () => {
    const nonce = new Uint8Array(32).fill(7);
    const good = {
      der: fixture.ed25519.der,
      data: nonce,
      signature: signRawForTest(fixture.ed25519.keyPem, nonce),
    };
    assert.deepEqual(await pool.checkSignature(good), { ok: true, algorithm: "ed25519" });
    const bad = { ...good, data: new Uint8Array(32) };
    assert.equal((await pool.checkSignature(bad)).ok, false);
  });
});

describe("verification pool reports (metrics)", () => {
  test("the queue depth counts waiting jobs only, and a refusal for a full queue is reported", async () => {
    let queueFull = 0;
    const { pool, open } = await startGatedPool({ size: 1, queueLimit: 2, onQueueFull: () => queueFull++ });
    try {
      const held = [pool.checkLogin(loginOf(fixture.ecdsa))];
      await waitFor(() => pool.queueDepth === 0); // taken by the worker
      held.push(pool.checkLogin(loginOf(fixture.ecdsa)), pool.checkLogin(loginOf(fixture.rsa)));
      assert.equal(pool.queueDepth, 2);
      await assert.rejects(pool.checkLogin(loginOf(fixture.ecdsa)), unavailable("queue-full"));
      assert.equal(queueFull, 1);
      open();
      await Promise.all(held);
      assert.equal(pool.queueDepth, 0);
    } finally {
      await pool.close();
    }
  });

  test("each verdict is reported with its algorithm, a refusal without one", async () => {
    const reports: (string | undefined)[] = [];
    const pool = await startPool({
      onVerified: (seconds, algorithm) => {
        assert.ok(seconds >= 0);
        reports.push(algorithm);
      },
    });
    try {
      await pool.checkLogin(loginOf(fixture.ed25519));
      await pool.checkLogin(loginOf(fixture.ecdsa, fixture.rsa));
      assert.deepEqual(reports, ["ed25519", undefined]);
    } finally {
      await pool.close();
    }
  });
});

describe("verification pool batches", () => {
  test("jobs that queued while the worker was busy are handed over together, each with its own verdict", async () => {
    const { pool, open } = await startGatedPool({ size: 1, queueLimit: 8 });
    try {
      const first = pool.checkLogin(loginOf(fixture.ecdsa)); // taken by the worker, held at the gate
      await waitFor(() => pool.queueDepth === 0);
      const queued = [
        pool.checkLogin(loginOf(fixture.rsa)),
        pool.checkLogin(loginOf(fixture.ecdsa, fixture.rsa)),
        pool.checkLogin(loginOf(fixture.revoked)),
        pool.checkSignature({
          der: fixture.ecdsa.der,
          data: new Uint8Array(4),
          signature: new Uint8Array(64),
        }),
        pool.checkLogin(loginOf(fixture.expired)),
      ];
      assert.equal(pool.queueDepth, 5);
      open();
      const verdicts = await Promise.all([first, ...queued]);
      assert.deepEqual(
        verdicts.map((verdict) => (verdict.ok ? "ok" : verdict.problem)),
        ["ok", "ok", "signature", "certificate", "signature", "expired"],
      );
    } finally {
      await pool.close();
    }
  });

  test("a worker that dies in a batch fails the jobs of that batch; later jobs are answered", async () => {
    const { pool, open } = await startGatedPool({ size: 1, queueLimit: 8 });
    try {
      const first = pool.checkLogin(loginOf(fixture.ecdsa));
      await waitFor(() => pool.queueDepth === 0);
      const killer = { ...loginOf(fixture.ecdsa), signature: new Uint8Array([0xde, 0xad]) };
      const batch = [pool.checkLogin(killer), pool.checkLogin(loginOf(fixture.rsa))];
      open();
      assert.equal((await first).ok, true);
      for (const job of batch) await assert.rejects(job, unavailable("worker-failed"));
      assert.equal((await pool.checkLogin(loginOf(fixture.ed25519))).ok, true);
    } finally {
      await pool.close();
    }
  });
});

describe("verification pool under failure", () => {
  test("a full queue refuses at once, while queued jobs still complete", async () => {
    const { pool, open } = await startGatedPool({ size: 1, queueLimit: 2 });
    try {
      const held = [pool.checkLogin(loginOf(fixture.ecdsa))]; // taken by the worker
      held.push(pool.checkLogin(loginOf(fixture.ecdsa)), pool.checkLogin(loginOf(fixture.rsa))); // queued
      // The worker is still held: a refusal that arrives now did not wait for any verification.
      await assert.rejects(pool.checkLogin(loginOf(fixture.ecdsa)), unavailable("queue-full"));
      open();
      const verdicts = await Promise.all(held);
      assert.deepEqual(
        verdicts.map((v) => v.ok),
        [true, true, true],
      );
    } finally {
      await pool.close();
    }
  });

  test("a worker that dies mid-job fails that job and is replaced", async () => {
    const failures: Error[] = [];
    const { pool, open } = await startGatedPool({
      size: 1,
      onWorkerFailure: (error) => failures.push(error),
    });
    try {
      open();
      const killer = { ...loginOf(fixture.ecdsa), signature: new Uint8Array([0xde, 0xad]) };
      await assert.rejects(pool.checkLogin(killer), unavailable("worker-failed"));
      assert.equal(failures.length, 1);
      assert.match(failures[0]?.message ?? "", /code 7/);
      const after = await pool.checkLogin(loginOf(fixture.ecdsa));
      assert.equal(after.ok, true);
    } finally {
      await pool.close();
    }
  });

  test("a job past its deadline fails, and its stuck worker is replaced", async () => {
    const failures: Error[] = [];
    const { pool, open } = await startGatedPool({
      jobTimeoutMs: 2000, // long enough for the second check on a loaded machine
      onWorkerFailure: (error) => failures.push(error),
    });
    try {
      await assert.rejects(pool.checkLogin(loginOf(fixture.ecdsa)), unavailable("timeout"));
      open();
      // The other worker answers while the stuck one is terminated and replaced.
      assert.equal((await pool.checkLogin(loginOf(fixture.ecdsa))).ok, true);
      await waitFor(() => failures.length === 1);
    } finally {
      await pool.close();
    }
  });

  test("closing fails queued and running jobs and refuses new ones", async () => {
    const { pool } = await startGatedPool({ size: 1 });
    const running = assert.rejects(pool.checkLogin(loginOf(fixture.ecdsa)), unavailable("closed"));
    const queued = assert.rejects(pool.checkLogin(loginOf(fixture.ecdsa)), unavailable("closed"));
    await pool.close();
    await Promise.all([running, queued]);
    await assert.rejects(pool.checkLogin(loginOf(fixture.ecdsa)), unavailable("closed"));
  });

  test("a worker that cannot start fails the pool's start", async () => {
    const missing = new URL("../../support/no-such-worker.mjs", import.meta.url);
    await assert.rejects(startPool({ workerUrl: missing }));
  });
});

describe("verification pool trust updates", () => {
  test("updateTrust reaches every worker: jobs held on both workers answer with the new CRL", async () => {
    const { pool, open } = await startGatedPool();
    try {
      const withoutCrl = trustStoreOf(fixture.trust.anchors);
      pool.updateTrust(withoutCrl.material());
      // Two jobs at once: each worker holds one at the gate, so each answers from its own store.
      const held = [pool.checkLogin(loginOf(fixture.revoked)), pool.checkLogin(loginOf(fixture.revoked))];
      open();
      assert.deepEqual(
        (await Promise.all(held)).map((verdict) => verdict.ok),
        [true, true],
      );
    } finally {
      await pool.close();
    }
  });

  test("a worker started after updateTrust gets the new material", async () => {
    const { pool, open } = await startGatedPool({ size: 1 });
    open();
    try {
      pool.updateTrust(trustStoreOf(fixture.trust.anchors).material());
      // Kill the one worker; its replacement is built from the pool's current setup.
      await assert.rejects(
        pool.checkLogin({ ...loginOf(fixture.revoked), signature: new Uint8Array([0xde, 0xad]) }),
        unavailable("worker-failed"),
      );
      assert.equal((await pool.checkLogin(loginOf(fixture.revoked))).ok, true);
    } finally {
      await pool.close();
    }
  });
});

/**
 * A worker keeps what it parsed and validated of a certificate (by the SHA-256 of its DER) for later logins:
 * none of it may stand in for the checks that must bite at every login.
 */
describe("verification pool: what a returning certificate is checked for again", () => {
  async function issueFresh(): Promise<IssuedCertificate> {
    return issueTestCertificate(fixture.caDir, { name: "Повторов Пётр Петрович" });
  }

  async function startOneWorkerPool(): Promise<VerifyPool> {
    // One worker: the second login is sure to meet what the first left in its caches.
    return startPool({
      size: 1,
      setup: { trust: trustStoreOf(fixture.trust.anchors).material(), gostEngine: false },
    });
  }

  test("a certificate accepted once is refused as expired at a login after its notAfter", async () => {
    const pool = await startOneWorkerPool();
    try {
      const user = await issueFresh();
      assert.equal((await pool.checkLogin(loginOf(user))).ok, true);
      const notAfter = parseCertificate(user.der).notAfter.getTime();
      const late = await pool.checkLogin({ ...loginOf(user), now: notAfter + 1 });
      assert.equal(!late.ok && late.problem, "expired");
    } finally {
      await pool.close();
    }
  });

  test("a certificate accepted once is refused as revoked once a reloaded CRL lists it", async () => {
    const pool = await startOneWorkerPool();
    try {
      const user = await issueFresh();
      assert.equal((await pool.checkLogin(loginOf(user))).ok, true);
      const crl = await createTestCrl(fixture.caDir, {
        revokedSerials: [parseCertificate(user.der).serialNumber],
      });
      pool.updateTrust(trustStoreOf(fixture.trust.anchors, [crl.der]).material());
      const after = await pool.checkLogin(loginOf(user));
      assert.equal(!after.ok && after.problem, "certificate");
      assert.match(!after.ok ? after.detail : "", /revoked/);
    } finally {
      await pool.close();
    }
  });

  test("a certificate accepted once is refused once a reload no longer trusts its CA", async () => {
    const pool = await startOneWorkerPool();
    try {
      const user = await issueFresh();
      assert.equal((await pool.checkLogin(loginOf(user))).ok, true);
      const otherOnly = await trustStoreFromPaths([join(fixture.otherCaDir, "ca.pem")]);
      pool.updateTrust(otherOnly.material());
      const after = await pool.checkLogin(loginOf(user));
      assert.equal(!after.ok && after.problem, "certificate");
    } finally {
      await pool.close();
    }
  });

  test("a certificate accepted once still needs a valid signature over the certificate and over each nonce", async () => {
    const pool = await startOneWorkerPool();
    try {
      const user = await issueFresh();
      assert.equal((await pool.checkLogin(loginOf(user))).ok, true);
      const bySomeoneElse = await pool.checkLogin(loginOf(user, fixture.ecdsa));
      assert.equal(!bySomeoneElse.ok && bySomeoneElse.problem, "signature");
      const nonce = new Uint8Array(32).fill(9);
      const answer = { der: user.der, data: nonce, signature: signRawForTest(user.keyPem, nonce) };
      assert.equal((await pool.checkSignature(answer)).ok, true);
      const otherNonce = { ...answer, data: new Uint8Array(32).fill(8) };
      assert.equal((await pool.checkSignature(otherNonce)).ok, false);
    } finally {
      await pool.close();
    }
  });
});
