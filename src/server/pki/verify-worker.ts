import { workerData } from "node:worker_threads";
import { serveParent } from "../workers/serve-parent.ts";
import { gostEngineSelfTest, useGostEngineForRawSignatures } from "./gost-engine.ts";
import { checkLogin, checkSignature, type LoginVerdict, type SignatureVerdict } from "./login-check.ts";
import { TrustStore } from "./trust.ts";
import type { TrustUpdate, VerifyJob, WorkerSetup } from "./verify-protocol.ts";

/** Test seam: runs before each job (the pool tests use it to hold or crash a worker mid-job). */
export interface VerifyWorkerHooks {
  beforeJob?(job: VerifyJob): void;
}

/**
 * A verification worker: builds its trust store from the anchors' DER (again when the CRLs are reloaded),
 * then answers one job at a time. It imports the same signature and trust modules as
 * the main thread, so every algorithm registered there is registered here too.
 */
export function runVerifyWorker(hooks: VerifyWorkerHooks = {}): void {
  const { setup } = workerData as { setup: WorkerSetup };
  let trust = TrustStore.fromMaterial(setup.trust);
  if (setup.gostEngine) {
    const failure = gostEngineSelfTest();
    if (failure) throw new Error(`gost-engine self-test failed in a worker: ${failure}`);
    useGostEngineForRawSignatures();
  }
  void serveParent<VerifyJob, LoginVerdict | SignatureVerdict, TrustUpdate>(() => ({
    // Jobs that arrive after an update (messages are handled in order) are checked against the new store.
    notice: (update) => {
      trust = TrustStore.fromMaterial(update.trust);
    },
    answer: (job) => {
      hooks.beforeJob?.(job);
      return job.kind === "login" ? checkLogin(trust, job.input) : checkSignature(job.input);
    },
  }));
}
