import { freePort } from "../../test/support/processes.ts";
import { type ServerChild, spawnServer } from "./child-process.ts";

const script = new URL("./bare-socketio-server.ts", import.meta.url).pathname;

/** The baseline: a bare Socket.IO relay (bare-socketio-server.ts) in a child process of its own. */
export interface BareChild extends ServerChild {
  url: string;
}

export async function startBareChild(): Promise<BareChild> {
  const port = await freePort();
  const child = await spawnServer(script, [], { ...process.env, BENCH_PORT: String(port) }, "ready");
  return { ...child, url: `http://127.0.0.1:${port}` };
}
