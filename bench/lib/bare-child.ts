import { freePort } from "../../test/support/processes.ts";
import { type ServerChild, spawnServer } from "./child-process.ts";

/** The baseline servers: a bare Socket.IO relay, or a bare Fastify route answering fixed JSON. */
const scripts = {
  socketio: new URL("./bare-socketio-server.ts", import.meta.url).pathname,
  fastify: new URL("./bare-fastify-server.ts", import.meta.url).pathname,
};

/** A baseline server in a child process of its own. */
export interface BareChild extends ServerChild {
  url: string;
}

/** `env` carries the baseline's settings (bare-fastify-server.ts reads its answer from BENCH_ANSWER). */
export async function startBareChild(
  kind: keyof typeof scripts = "socketio",
  env: Record<string, string> = {},
): Promise<BareChild> {
  const port = await freePort();
  const child = await spawnServer(
    scripts[kind],
    [],
    { ...process.env, ...env, BENCH_PORT: String(port) },
    "ready",
  );
  return { ...child, url: `http://127.0.0.1:${port}` };
}
