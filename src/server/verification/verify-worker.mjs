// Worker entry. A worker does not inherit the parent's module hooks (neither `node --import tsx` nor
// tsx's register()), so it registers tsx itself before loading the TypeScript worker.
import { register } from "tsx/esm/api";

register();
const { runVerifyWorker } = await import("./verify-worker.ts");
runVerifyWorker();
