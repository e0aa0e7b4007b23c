import { parse as parseQueryString } from "fast-querystring";

/**
 * What one request body may hold before it is refused as InvalidSchema without being parsed: every request
 * schema is shallow (createChat: root → keys → key → scalar) and small (1,000 keys of three fields). Parsing
 * cost grows with the number of values and the depth, not with the bytes (a huge string is cheap), so these
 * are what bounds the work of a body.
 */
export const MAX_BODY_VALUES = 10_000;
export const MAX_BODY_DEPTH = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const AMPERSAND = 0x26;

/**
 * True when JSON text (valid or not) stays within the value and depth budget. One pass over the bytes, outside
 * strings counting containers and separators: far cheaper than JSON.parse on adversarial input.
 */
export function jsonWithinBudget(bytes: Uint8Array): boolean {
  let values = 1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) inString = true;
    else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      values++;
      if (depth > MAX_BODY_DEPTH || values > MAX_BODY_VALUES) return false;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) depth--;
    else if (byte === COMMA && ++values > MAX_BODY_VALUES) return false;
  }
  return true;
}

/** True when a form has at most MAX_BODY_VALUES fields. */
export function formWithinBudget(bytes: Uint8Array): boolean {
  let fields = 1;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === AMPERSAND && ++fields > MAX_BODY_VALUES) return false;
  }
  return true;
}

/** A form body as @fastify/formbody read it: fast-querystring (repeated keys become arrays). */
export function parseForm(text: string): Record<string, unknown> {
  return parseQueryString(text) as Record<string, unknown>;
}

/**
 * Refuses the keys secure-json-parse (Fastify's JSON parser, protoAction "error") refuses: `__proto__`, and
 * `constructor` holding an object, anywhere in the value. The walk is bounded by the body budget.
 */
export function holdsPoisonedKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== "object" || node === null) continue;
    for (const [key, child] of Object.entries(node)) {
      if (key === "__proto__") return true;
      if (key === "constructor" && typeof child === "object" && child !== null) return true;
      stack.push(child);
    }
  }
  return false;
}

/** The body's own `token` field when it is a string: all a big body is asked for before its session is known. */
export function bodyToken(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const token: unknown = (body as { token?: unknown }).token;
  return typeof token === "string" ? token : undefined;
}
