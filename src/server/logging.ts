import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import type { Config } from "./config.ts";

/**
 * Never logged, whatever a future log call passes: session tokens (body, Authorization header, cookies),
 * request bodies as a whole (SMS codes, signatures, wrapped chat keys), and S3 secrets. The console SMS
 * provider's line is the exception by design: there the log is the delivery channel.
 */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "headers.cookie",
  "req.body",
  "request.body",
  "body",
  "token",
  "*.token",
  "secretAccessKey",
  "*.secretAccessKey",
];

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};

/** Fields every line has, shown in the line's head rather than as key=value. */
const HEAD_FIELDS = new Set(["level", "time", "msg", "pid", "hostname", "err"]);

/** One pino JSON line for a person at a terminal: `12:00:00.000 INFO  message key=value …`, then a stack. */
export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  const time = typeof record.time === "number" ? new Date(record.time).toISOString().slice(11, 23) : "";
  const level = LEVELS[record.level as number] ?? String(record.level);
  const fields = Object.entries(record)
    .filter(([key]) => !HEAD_FIELDS.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  const head = [time, level, String(record.msg ?? ""), ...fields].filter((part) => part !== "").join(" ");
  const err = record.err as { stack?: string; message?: string } | undefined;
  const detail = err ? `\n  ${(err.stack ?? err.message ?? "").split("\n").join("\n  ")}` : "";
  return `${head}${detail}\n`;
}

/** Writes each log line to `out` formatted by formatLogLine. */
function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.write(formatLogLine(chunk.toString("utf8")));
      done();
    },
  });
}

/**
 * The server's logger: JSON lines on `destination` (stdout by default), or lines for a person (`pretty`, when
 * stdout is a terminal).
 */
export function createLogger(
  level: Config["logLevel"] | "trace",
  options: { pretty?: boolean; destination?: NodeJS.WritableStream } = {},
): Logger {
  const settings = { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } };
  const destination = options.destination ?? process.stdout;
  if (options.pretty) return pino(settings, prettyStream(destination));
  // pino's own stdout writer (sonic-boom) when no destination is given: the fastest.
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
