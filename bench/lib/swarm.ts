import { type ChildProcess, fork } from "node:child_process";
import { cpuSecondsOf } from "./child-process.ts";
import type { SwarmAnswer, SwarmCommand, SwarmReply } from "./swarm-protocol.ts";

const workerScript = new URL("./swarm-worker.ts", import.meta.url).pathname;

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** One load-generator process (swarm-worker.ts) and its pending requests. */
class Worker {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve(a: SwarmAnswer): void; reject(e: Error): void }>();

  constructor(readonly child: ChildProcess) {
    child.on("message", (reply: SwarmReply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if ("error" in reply) waiting?.reject(new Error(`swarm worker ${child.pid}: ${reply.error}`));
      else waiting?.resolve(reply.answer);
    });
    child.once("exit", (code, signal) => {
      for (const waiting of this.pending.values()) {
        waiting.reject(new Error(`swarm worker ${child.pid} exited (${code ?? signal})`));
      }
      this.pending.clear();
    });
  }

  /** Sends a command; rejects if no answer came within `timeoutMs`. */
  call(command: SwarmCommand, timeoutMs: number): Promise<SwarmAnswer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`swarm worker ${this.child.pid}: no answer to ${command.type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (answer) => {
          clearTimeout(timer);
          resolve(answer);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, command });
    });
  }
}

/**
 * Load-generator processes holding a benchmark's sockets between them (bench/lib/swarm-worker.ts). They are
 * children of the bench process: pinned, they run on its core; their CPU time is read from /proc.
 */
export class Swarm {
  private constructor(private readonly workers: Worker[]) {}

  static start(count: number): Swarm {
    const workers = Array.from({ length: count }, () => {
      const child = fork(workerScript, [], {
        execArgv: ["--import", "tsx"],
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      live.add(child);
      child.once("exit", () => live.delete(child));
      return new Worker(child);
    });
    return new Swarm(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Each worker's command (by its index), answered by all; rejects on the first failure. */
  all(command: (worker: number) => SwarmCommand, timeoutMs: number): Promise<SwarmAnswer[]> {
    return Promise.all(this.workers.map((worker, i) => worker.call(command(i), timeoutMs)));
  }

  /** CPU seconds (user + system, all threads) of the workers so far. */
  cpuSeconds(): number {
    return this.workers.reduce((sum, worker) => {
      const pid = worker.child.pid;
      return sum + (pid !== undefined && worker.child.exitCode === null ? cpuSecondsOf(pid) : 0);
    }, 0);
  }

  /** Closes every socket, then ends the workers. */
  async close(): Promise<void> {
    await this.all(() => ({ type: "close" }), 30_000).catch(() => undefined);
    for (const worker of this.workers) {
      worker.child.disconnect();
      worker.child.kill("SIGTERM");
    }
  }
}

/** Generator CPU over an interval: the workers' and this process's, as a share of one core. */
export function generatorMeter(swarm: Swarm): () => { cpuSeconds: number; share: number } {
  const workers = swarm.cpuSeconds();
  const own = process.cpuUsage();
  const start = performance.now();
  return () => {
    const used = process.cpuUsage(own);
    const cpuSeconds = swarm.cpuSeconds() - workers + (used.user + used.system) / 1e6;
    return { cpuSeconds, share: cpuSeconds / ((performance.now() - start) / 1000) };
  };
}
