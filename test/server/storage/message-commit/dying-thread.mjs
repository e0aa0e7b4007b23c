// A writer thread that starts, then dies on its first batch (tests what the committer does then).
import { parentPort } from "node:worker_threads";

parentPort.postMessage({ kind: "ready" });
parentPort.on("message", () => process.exit(3));
