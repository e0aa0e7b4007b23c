// A verification worker for the pool tests: each job waits until the test opens the gate (a shared
// Int32Array set to 1), and a job whose signature starts with 0xDE 0xAD kills the worker mid-job.
import { workerData } from "node:worker_threads";
import { register } from "tsx/esm/api";

register();
const { runVerifyWorker } = await import("../../src/server/verification/verify-worker.ts");
const gate = new Int32Array(workerData.extra.gate);

runVerifyWorker({
  beforeJob(request) {
    const signature = request.input.signature;
    if (signature[0] === 0xde && signature[1] === 0xad) process.exit(7);
    Atomics.wait(gate, 0, 0);
  },
});
