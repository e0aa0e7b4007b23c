import { parentPort, workerData } from "node:worker_threads";
import { gostEngineSelfTest } from "./gost-engine.ts";
import { checkLogin, checkSignature } from "./login-check.ts";
import { createServerPki } from "./server-pki.ts";
import type { TrustUpdate, VerifyRequest, WorkerMessage, WorkerSetup } from "./verify-protocol.ts";

/** Test seam: runs before each job (the pool tests use it to hold or crash a worker mid-job). */
export interface VerifyWorkerHooks {
  beforeJob?(request: VerifyRequest): void;
}

/**
 * A verification worker: builds its trust store from the anchors' DER (again when the CRLs are reloaded),
 * then answers one job at a time. Its PKI instance is built as the main thread's is (createServerPki), so it
 * verifies with the same algorithms and accelerations.
 */
export function runVerifyWorker(hooks: VerifyWorkerHooks = {}): void {
  const port = parentPort;
  if (!port) throw new Error("runVerifyWorker must run in a worker thread");
  const { setup } = workerData as { setup: WorkerSetup };
  if (setup.gostEngine) {
    const failure = gostEngineSelfTest();
    if (failure) throw new Error(`gost-engine self-test failed in a worker: ${failure}`);
  }
  let pki = createServerPki({ trust: setup.trust, gostEngine: setup.gostEngine });
  const send = (message: WorkerMessage) => port.postMessage(message);
  port.on("message", async (request: VerifyRequest | TrustUpdate) => {
    // Jobs that arrive after an update (messages are handled in order) are checked against the new store.
    if (request.kind === "trust") {
      pki = pki.withTrust(request.trust);
      return;
    }
    try {
      hooks.beforeJob?.(request);
      const verdict =
        request.kind === "login"
          ? await checkLogin(pki, request.input)
          : await checkSignature(pki, request.input);
      send({ type: "done", id: request.id, verdict });
    } catch (error) {
      send({ type: "failed", id: request.id, message: (error as Error).message });
    }
  });
  send({ type: "ready" });
}
