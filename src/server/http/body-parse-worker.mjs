// Worker entry. A worker does not inherit the parent's module hooks (neither `node --import tsx` nor
// tsx's register()), so run from source it registers tsx itself to load the TypeScript. The build compiles
// this file too, its import then naming the compiled `.js` beside it, which needs no loader.
import { existsSync } from "node:fs";

if (existsSync(new URL("./body-parse-worker.ts", import.meta.url))) (await import("tsx/esm/api")).register();
const { runBodyParseWorker } = await import("./body-parse-worker.ts");
runBodyParseWorker();
