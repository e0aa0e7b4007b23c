import { type ErrorCode, ErrorCodes } from "../../src/protocol/errors.ts";

/**
 * Signs that an answer carries internals: a stack frame, an exception's message, a source or install path,
 * or Fastify's own error format instead of the API envelope.
 */
const leakPatterns: readonly RegExp[] = [
  /\bError:/,
  /\n\s+at\s/,
  /\bat\s+\S+\s+\(\S+:\d+:\d+\)/,
  /\.(?:ts|js|mjs|cjs):\d+/,
  /node_modules/,
  /node:internal/,
  /file:\/\//,
  /"stack"\s*:/,
  /"statusCode"\s*:/,
  /SQLITE_|sqlite3|kysely|postgres/i,
];

/**
 * What an answer's text leaks, else undefined: one of the patterns above, or one of `paths` (the server's
 * working directory and data directory; base64 data makes a generic "/…/" pattern fire by chance).
 */
export function leakIn(text: string, paths: readonly string[] = [process.cwd()]): string | undefined {
  return (
    leakPatterns.find((pattern) => pattern.test(text))?.source ?? paths.find((path) => text.includes(path))
  );
}

export type EnvelopeCheck =
  | { ok: true; success: true; data: unknown }
  | { ok: true; success: false; error: ErrorCode }
  | { ok: false; problem: string };

const codes = new Set<string>(ErrorCodes);

/** Checks that a value is the API envelope: {success: true, data} or {success: false, error: <known code>}. */
export function checkEnvelope(value: unknown): EnvelopeCheck {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, problem: "not an object" };
  const record = value as Record<string, unknown>;
  const extra = Object.keys(record).filter((key) => key !== "success" && key !== "error" && key !== "data");
  if (extra.length > 0) return { ok: false, problem: `unexpected keys ${extra.join(",")}` };
  if (record.success === true) {
    if (!("data" in record)) return { ok: false, problem: "success without data" };
    return { ok: true, success: true, data: record.data };
  }
  if (record.success !== false) return { ok: false, problem: "success is not a boolean" };
  if (typeof record.error !== "string" || !codes.has(record.error))
    return { ok: false, problem: `unknown error code ${JSON.stringify(record.error)}` };
  if ("data" in record) return { ok: false, problem: "failure with data" };
  return { ok: true, success: false, error: record.error as ErrorCode };
}

/** Parses an HTTP answer's text as JSON and checks the envelope. */
export function checkEnvelopeText(text: string): EnvelopeCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: `not JSON: ${text.slice(0, 80)}` };
  }
  return checkEnvelope(value);
}
