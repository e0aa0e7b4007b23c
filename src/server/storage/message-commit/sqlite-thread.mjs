// Worker entry. A worker does not inherit the parent's module hooks (neither `node --import tsx` nor
// tsx's register()), so it registers tsx itself before loading the TypeScript thread.
import { register } from "tsx/esm/api";

register();
const { runSqliteWriterThread } = await import("./sqlite-thread.ts");
runSqliteWriterThread();
