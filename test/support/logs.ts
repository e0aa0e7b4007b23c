import { Writable } from "node:stream";
import pino, { type Logger } from "pino";

/** A pino logger at `level` whose lines are kept (parsed) for a test to read. */
export function capturedLogger(level: pino.LevelWithSilent = "debug"): {
  logger: Logger;
  lines(): Array<Record<string, unknown>>;
} {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString("utf8")
          .split("\n")
          .filter((line) => line.trim() !== ""),
      );
      done();
    },
  });
  const logger = pino({ level }, sink);
  return { logger, lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}
