import { workerData } from "node:worker_threads";
import { reportError } from "../workers/protocol.ts";
import { serveParent } from "../workers/serve-parent.ts";
import { gostEngineSelfTest } from "./gost-engine.ts";
import { checkLogin, checkSignature } from "./login-check.ts";
import { createServerPki } from "./server-pki.ts";
import type { JobOutcome, TrustUpdate, VerifyBatch, VerifyJob, WorkerSetup } from "./verify-protocol.ts";

/** Test seam: runs before each job (the pool tests use it to hold or crash a worker mid-job). */
export interface VerifyWorkerHooks {
  beforeJob?(job: VerifyJob): void;
}

/**
 * A verification worker: builds its trust store from the anchors' DER (again when the CRLs are reloaded),
 * then answers one batch of jobs at a time, the jobs one after another. Its PKI instance is built as the main thread's is (createServerPki), so it
 * verifies with the same algorithms and accelerations.
 */
export function runVerifyWorker(hooks: VerifyWorkerHooks = {}): void {
  const { setup } = workerData as { setup: WorkerSetup };
  if (setup.gostEngine) {
    const failure = gostEngineSelfTest();
    if (failure) throw new Error(`gost-engine self-test failed in a worker: ${failure}`);
  }
  let pki = createServerPki({ trust: setup.trust, gostEngine: setup.gostEngine });
  void serveParent<VerifyBatch, JobOutcome[], TrustUpdate>(() => ({
    // Jobs that arrive after an update (messages are handled in order) are checked against the new store.
    notice: (update) => {
      pki = pki.withTrust(update.trust);
    },
    answer: async ({ jobs }) => {
      const trusted = pki; // a batch was handed out before any update that arrives while it runs
      const outcomes: JobOutcome[] = [];
      for (const job of jobs) {
        try {
          hooks.beforeJob?.(job);
          const started = performance.now();
          const verdict =
            job.kind === "login"
              ? await checkLogin(trusted, job.input)
              : await checkSignature(trusted, job.input);
          outcomes.push({ verdict, seconds: (performance.now() - started) / 1000 });
        } catch (error) {
          outcomes.push({ error: reportError(error) });
        }
      }
      return outcomes;
    },
  }));
}
