/** Every benchmark scenario by name, in the order `npm run bench` runs them (the smoke test runs each too). */
import { auth } from "./auth.ts";
import { c100k } from "./c100k.ts";
import { connections } from "./connections.ts";
import { fanout } from "./fanout.ts";
import { history } from "./history.ts";
import { latency } from "./latency.ts";
import type { Scenario } from "./lib/report.ts";
import { reconnectStorm } from "./reconnect-storm.ts";
import { rest } from "./rest.ts";
import { singleSocket } from "./single-socket.ts";
import { sustained } from "./sustained.ts";
import { throughput } from "./throughput.ts";
import { web } from "./web.ts";

export const scenarios: Record<string, Scenario> = {
  history,
  rest,
  auth,
  throughput,
  "single-socket": singleSocket,
  latency,
  sustained,
  fanout,
  connections,
  "reconnect-storm": reconnectStorm,
  c100k,
  web,
};
