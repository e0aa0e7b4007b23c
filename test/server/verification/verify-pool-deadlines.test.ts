import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { createTestCa, issueTestCertificate } from "../../../src/server/test-ca.ts";
import { VerificationUnavailableError, VerifyPool } from "../../../src/server/verification/verify-pool.ts";
import { trustStoreFromPaths } from "../../support/pki.ts";
import { signRawForTest } from "../../support/raw-sign.ts";
import { useTempDir } from "../../support/temp-dir.ts";

const tempDir = useTempDir();
const GATED_WORKER = new URL("../../support/gated-verify-worker.mjs", import.meta.url);
const JOB_TIMEOUT_MS = 6_000;

async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * Review probe of batched verification (verify-pool.ts): a job past its deadline terminates the worker, and the
 * worker's exit fails every other job of its batch as "worker-failed" — jobs whose own deadline is far off. One
 * job per worker (before the batches), such a job went back to a worker and was answered.
 * Relies on a replacement worker starting within half a deadline (3 s), so that the late job and the fresh one
 * are handed over in one batch.
 */
test("a job within its deadline is answered though another job of its batch timed out", async () => {
  const caDir = join(await tempDir(), "ca");
  await createTestCa(caDir);
  const trust = await trustStoreFromPaths([join(caDir, "ca.pem")]);
  const user = await issueTestCertificate(caDir, { name: "Сроков Пётр Петрович" });
  const login = () => ({ der: user.der, signature: signRawForTest(user.keyPem, user.der), now: Date.now() });
  const gate = new SharedArrayBuffer(4);
  const open = () => {
    const view = new Int32Array(gate);
    Atomics.store(view, 0, 1);
    Atomics.notify(view, 0);
  };
  const pool = await VerifyPool.start({
    size: 1,
    queueLimit: 8,
    jobTimeoutMs: JOB_TIMEOUT_MS,
    setup: { trust: trust.material(), gostEngine: false },
    workerUrl: GATED_WORKER,
    workerExtra: { gate },
  });
  const timedOut = (error: unknown) =>
    error instanceof VerificationUnavailableError && error.reason === "timeout";
  try {
    const stuck = assert.rejects(pool.checkLogin(login()), timedOut); // held by the worker at the gate
    await waitFor(() => pool.queueDepth === 0);
    await new Promise((resolve) => setTimeout(resolve, JOB_TIMEOUT_MS / 2));
    const late = assert.rejects(pool.checkLogin(login()), timedOut); // queued; half its time is gone
    await stuck; // the worker is terminated and replaced
    const fresh = pool.checkLogin(login()); // queued with a whole deadline ahead
    await late; // it timed out in the replacement's batch, with `fresh`
    open();
    assert.equal((await fresh).ok, true);
  } finally {
    open();
    await pool.close();
  }
});
