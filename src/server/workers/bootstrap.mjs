// The entry of every TypeScript worker (see worker-thread.ts). A worker does not inherit the parent's module
// hooks (neither `node --import tsx` nor tsx's register()), so it registers tsx itself, then runs the export
// its argv names of the module its argv names.
import { register } from "tsx/esm/api";

register();
const [moduleUrl, exportName] = process.argv.slice(2);
const run = (await import(moduleUrl))[exportName];
if (typeof run !== "function") throw new Error(`${moduleUrl} exports no function ${exportName}`);
run();
