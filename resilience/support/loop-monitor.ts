import type { InspectorSession } from "./inspector.ts";

/** Where the child keeps its histogram: a global of the inspected process, never of the server's code. */
const GLOBAL = "__resilienceLoopDelay";

/**
 * The largest event-loop block of a child started with `--inspect`: a `monitorEventLoopDelay` histogram
 * planted in the child through the inspector, so the server carries no measuring code of its own.
 */
export class LoopMonitor {
  private constructor(private readonly inspector: InspectorSession) {}

  static async start(inspector: InspectorSession): Promise<LoopMonitor> {
    await inspector.evaluate(`(() => {
      const { monitorEventLoopDelay } = process.getBuiltinModule("node:perf_hooks");
      const histogram = monitorEventLoopDelay({ resolution: 5 });
      histogram.enable();
      globalThis.${GLOBAL} = histogram;
      return true;
    })()`);
    return new LoopMonitor(inspector);
  }

  /** The longest block since the start or the last reset, in milliseconds. */
  async maxBlockMs(): Promise<number> {
    const nanoseconds = await this.inspector.evaluate(`globalThis.${GLOBAL}.max`);
    return Number(nanoseconds) / 1e6;
  }

  async reset(): Promise<void> {
    await this.inspector.evaluate(`globalThis.${GLOBAL}.reset()`);
  }
}
