import { workerData } from "node:worker_threads";
import { serveParent } from "../workers/serve-parent.ts";
import { gostEngineSelfTest } from "./gost-engine.ts";
import { checkLogin, checkSignature, type LoginVerdict, type SignatureVerdict } from "./login-check.ts";
import { createServerPki } from "./server-pki.ts";
import type { TrustUpdate, VerifyJob, WorkerSetup } from "./verify-protocol.ts";

/** Test seam: runs before each job (the pool tests use it to hold or crash a worker mid-job). */
export interface VerifyWorkerHooks {
  beforeJob?(job: VerifyJob): void;
}

/**
 * A verification worker: builds its trust store from the anchors' DER (again when the CRLs are reloaded),
 * then answers one job at a time. Its PKI instance is built as the main thread's is (createServerPki), so it
 * verifies with the same algorithms and accelerations.
 */
export function runVerifyWorker(hooks: VerifyWorkerHooks = {}): void {
  const { setup } = workerData as { setup: WorkerSetup };
  if (setup.gostEngine) {
    const failure = gostEngineSelfTest();
    if (failure) throw new Error(`gost-engine self-test failed in a worker: ${failure}`);
  }
  let pki = createServerPki({ trust: setup.trust, gostEngine: setup.gostEngine });
  void serveParent<VerifyJob, LoginVerdict | SignatureVerdict, TrustUpdate>(() => ({
    // Jobs that arrive after an update (messages are handled in order) are checked against the new store.
    notice: (update) => {
      pki = pki.withTrust(update.trust);
    },
    answer: (job) => {
      hooks.beforeJob?.(job);
      return job.kind === "login" ? checkLogin(pki, job.input) : checkSignature(pki, job.input);
    },
  }));
}
