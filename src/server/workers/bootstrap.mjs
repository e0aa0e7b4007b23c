// The entry of every worker started by worker-thread.ts, which names in argv the module and its export to run.
// A worker does not inherit the parent's module hooks (neither `node --import tsx` nor tsx's register()), so
// run from source it registers tsx itself to load the TypeScript; built, the module is compiled `.js`.
const [moduleUrl, exportName] = process.argv.slice(2);
if (moduleUrl.endsWith(".ts")) (await import("tsx/esm/api")).register();
const run = (await import(moduleUrl))[exportName];
if (typeof run !== "function") throw new Error(`${moduleUrl} exports no function ${exportName}`);
run();
