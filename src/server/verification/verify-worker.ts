import { parentPort, workerData } from "node:worker_threads";
import { gostEngineSelfTest, useGostEngineForRawSignatures } from "./gost-engine.ts";
import { checkLogin, checkSignature } from "./login-check.ts";
import { TrustStore } from "./trust.ts";
import type { TrustUpdate, VerifyRequest, WorkerMessage, WorkerSetup } from "./verify-protocol.ts";

/** Test seam: runs before each job (the pool tests use it to hold or crash a worker mid-job). */
export interface VerifyWorkerHooks {
  beforeJob?(request: VerifyRequest): void;
}

/**
 * A verification worker: builds its trust store from the anchors' DER (again when the CRLs are reloaded),
 * then answers one job at a time. It imports the same signature and trust modules as
 * the main thread, so every algorithm registered there is registered here too.
 */
export function runVerifyWorker(hooks: VerifyWorkerHooks = {}): void {
  const port = parentPort;
  if (!port) throw new Error("runVerifyWorker must run in a worker thread");
  const { setup } = workerData as { setup: WorkerSetup };
  let trust = TrustStore.fromMaterial(setup.trust);
  if (setup.gostEngine) {
    const failure = gostEngineSelfTest();
    if (failure) throw new Error(`gost-engine self-test failed in a worker: ${failure}`);
    useGostEngineForRawSignatures();
  }
  const send = (message: WorkerMessage) => port.postMessage(message);
  port.on("message", async (request: VerifyRequest | TrustUpdate) => {
    // Jobs that arrive after an update (messages are handled in order) are checked against the new store.
    if (request.kind === "trust") {
      trust = TrustStore.fromMaterial(request.trust);
      return;
    }
    try {
      hooks.beforeJob?.(request);
      const verdict =
        request.kind === "login"
          ? await checkLogin(trust, request.input)
          : await checkSignature(request.input);
      send({ type: "done", id: request.id, verdict });
    } catch (error) {
      send({ type: "failed", id: request.id, message: (error as Error).message });
    }
  });
  send({ type: "ready" });
}
