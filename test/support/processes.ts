import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/**
 * Ports handed to another process to listen on are taken below the kernel's ephemeral range: an outgoing
 * connection (a load test's thousands of client sockets, a node's PostgreSQL and Redis links) takes its local
 * port from that range, and one that took the chosen port between the probe and the child's listen made the
 * child fail with EADDRINUSE (seen in CI). Below the range only another test's listener can collide.
 */
const LOWEST_PORT = 10_000;

function ephemeralRangeStart(): number {
  try {
    const [low] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/);
    return Number(low);
  } catch {
    return 0;
  }
}

const candidatesEnd = ephemeralRangeStart();

function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

/**
 * A free loopback port for another process to listen on: a random one below the ephemeral range (see above)
 * that nothing listens on now; where that range is unknown or leaves no room, any free port.
 */
export async function freePort(): Promise<number> {
  const room = candidatesEnd - LOWEST_PORT;
  for (let attempt = 0; room > 1_000 && attempt < 50; attempt += 1) {
    const port = await probe(LOWEST_PORT + Math.floor(Math.random() * room));
    if (port !== undefined) return port;
  }
  const port = await probe(0);
  if (port === undefined) throw new Error("no free loopback port");
  return port;
}

/** Resolves with the exit code once the process ended (at once when it already has). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** SIGKILLs a process unless it already ended, and waits for it. */
export async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
  await exited(child);
}

/** A redis-server of its own on `port` (no persistence), so a test can stop and restart it. */
export function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn("redis-server", [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start: ${output}`));
    }, 10_000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
