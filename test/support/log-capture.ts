import { Writable } from "node:stream";
import type { Logger } from "pino";
import { createLogger } from "../../src/server/logging.ts";

/** The server's logger (redaction included) at trace level, writing JSON lines the test can read. */
export function capturingLogger(): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((line) => line !== ""),
      );
      done();
    },
  });
  return { logger: createLogger("trace", { destination }), lines: () => lines };
}
