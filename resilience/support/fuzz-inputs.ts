import type { Prng } from "./prng.ts";

/**
 * Generators of malformed values for the fuzzer. Each takes the input's PRNG, so an input is reproducible
 * from (seed, index). Nothing here knows the API; endpoints.ts combines these with valid bodies.
 */

/** Real artefacts the mutations start from: certificates, signatures and CMS of the test CA and vectors. */
export interface FuzzSeeds {
  certificates: Uint8Array[];
  signatures: Uint8Array[];
  cms: Uint8Array[];
}

const unicodeEdges = [
  "\ud800",
  "\udfff",
  "a\ud83dz",
  "\udc00\ud800",
  "\u0000",
  "a\u0000b",
  "\u202eevil\u202c",
  "\u200f\u200e",
  "\ufeff",
  "\ufffe\uffff",
  "\u200b\u200c\u200d",
  "e\u0301\u0301\u0301",
  "😀",
  "👨‍👩‍👧‍👦",
  "\u0085\u2028\u2029",
  "\r\n\r\n",
  "\t\v\f",
  "Иванов Иван Иванович",
  "ﷺ",
  "𝕏",
] as const;

const trickyStrings = [
  "",
  " ",
  "null",
  "undefined",
  "true",
  "0",
  "-1",
  "NaN",
  "Infinity",
  "1e309",
  "0x10",
  "-0",
  "00001",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "../../../../etc/passwd",
  "..%2f..%2fetc%2fpasswd",
  "%00",
  "' OR 1=1 --",
  '"; drop table messages; --',
  "$" + "{7*7}",
  "{{7*7}}",
  "<script>alert(1)</script>",
  "%s%s%s%n",
  "prev",
  "next",
  "file",
  "txt",
  "Bearer",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "91ec6ed7-aced-4251-bb01-55debd90ddb6",
  "+7 (999) 123-45-67",
  "89991234567",
  "+0000000000000000000000",
] as const;

const numbers = [
  0,
  -0,
  -1,
  1,
  1.5,
  -1.5,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 32,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  1e-300,
  Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER,
  123456,
] as const;

function randomUnicode(rng: Prng, length: number): string {
  let text = "";
  for (let i = 0; i < length; i += 1) {
    const kind = rng.int(4);
    if (kind === 0) text += String.fromCharCode(rng.between(0x20, 0x7e));
    else if (kind === 1) text += String.fromCharCode(rng.int(0x10000));
    else if (kind === 2) text += String.fromCodePoint(rng.between(0x10000, 0x10ffff));
    else text += rng.pick(unicodeEdges);
  }
  return text;
}

export function randomUuid(rng: Prng): string {
  const hex = Buffer.from(rng.bytes(16)).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A string that is wrong somehow: edge-case unicode, injections, overlong, look-alikes of valid values. */
export function junkString(rng: Prng): string {
  return rng.weighted<() => string>([
    [4, () => rng.pick(trickyStrings)],
    [4, () => rng.pick(unicodeEdges)],
    [4, () => randomUnicode(rng, rng.between(1, 64))],
    [1, () => "A".repeat(rng.chance(0.05) ? rng.between(100_000, 300_000) : rng.between(200, 5_000))],
    [1, () => "я".repeat(rng.between(100, 3_000))],
    [1, () => rng.pick(unicodeEdges).repeat(rng.between(10, 1_000))],
    [2, () => randomUuid(rng).toUpperCase()],
    [2, () => `${randomUuid(rng)}${rng.pick(unicodeEdges)}`],
    [2, () => invalidBase64(rng)],
    [1, () => String(rng.pick(numbers))],
  ])();
}

export function junkNumber(rng: Prng): number {
  return rng.chance(0.7) ? rng.pick(numbers) : (rng.uint32() - 2 ** 31) * (rng.chance(0.2) ? 1e9 : 1);
}

/** Any JSON value of a random kind (bounded size); `depth` limits nesting. */
export function junkValue(rng: Prng, depth = 0): unknown {
  const leaf = depth >= 3;
  return rng.weighted<() => unknown>([
    [2, () => null],
    [2, () => rng.chance(0.5)],
    [4, () => junkNumber(rng)],
    [6, () => junkString(rng)],
    [leaf ? 0 : 2, () => Array.from({ length: rng.int(5) }, () => junkValue(rng, depth + 1))],
    [
      leaf ? 0 : 2,
      () =>
        Object.fromEntries(
          Array.from({ length: rng.int(5) }, () => [junkKey(rng), junkValue(rng, depth + 1)] as const),
        ),
    ],
    [1, () => ({})],
    [1, () => []],
  ])();
}

/** An object key a handler does not expect, including prototype-polluting ones. */
export function junkKey(rng: Prng): string {
  return rng.weighted<() => string>([
    [3, () => rng.pick(["__proto__", "constructor", "prototype", "toString", "valueOf", "then"])],
    [3, () => rng.pick(["token", "chat", "cid", "pid", "id", "rel", "type", "localId", "keys", "data"])],
    [2, () => randomUnicode(rng, rng.between(0, 12))],
    [1, () => "k".repeat(rng.between(100, 3_000))],
  ])();
}

/**
 * Adds an unexpected field to `body` as an own property: defined, not assigned, so that "__proto__" becomes
 * a key of the sent JSON instead of changing the object's prototype.
 */
export function addJunkField(rng: Prng, body: Record<string, unknown>): Record<string, unknown> {
  return Object.defineProperty(body, junkKey(rng), {
    value: junkValue(rng),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** JSON text nested `depth` levels deep (built as text: JSON.stringify would overflow this process's stack). */
export function deepJsonText(rng: Prng, depth: number): string {
  if (depth > 10_000 || rng.chance(0.5)) return `${"[".repeat(depth)}${"]".repeat(depth)}`;
  const key = rng.pick(["a", "token", "chat", "__proto__", "keys"]);
  return `${`{"${key}":`.repeat(depth)}1${"}".repeat(depth)}`;
}

/** Nested arrays as a value (modest depth, so the client's own serialisers survive). */
export function deepValue(depth: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Text that is not base64 in one of the many ways clients get it wrong. */
export function invalidBase64(rng: Prng): string {
  const valid = Buffer.from(rng.bytes(rng.between(1, 96))).toString("base64");
  const at = rng.int(valid.length);
  return rng.weighted<() => string>([
    [2, () => rng.pick(["!!!!", "a", "abcde", "====", "=abc", "ab=c", "Y===", "YQ=", "A=B=", "****"])],
    [
      2,
      () =>
        `${valid.slice(0, at)}${rng.pick(["!", "?", "*", "#", "é", "\u0000", "%", "."])}${valid.slice(at)}`,
    ],
    [1, () => `${valid}${"=".repeat(rng.between(1, 5))}`],
    [1, () => `${valid.slice(0, at)}=${valid.slice(at)}`],
    [1, () => `data:application/octet-stream;base64,${valid}`],
    [1, () => randomUnicode(rng, rng.between(1, 40))],
    [1, () => `${valid}${rng.pick(unicodeEdges)}`],
    [1, () => `${valid.slice(0, Math.max(1, valid.length - 1))}`.padEnd(valid.length + 1, "A")],
  ])();
}

/** Base64 of bytes in one of the accepted encodings (standard, URL-safe, unpadded, line-wrapped). */
export function encodeAnyBase64(rng: Prng, bytes: Uint8Array): string {
  const standard = Buffer.from(bytes).toString("base64");
  return rng.weighted<() => string>([
    [6, () => standard],
    [1, () => Buffer.from(bytes).toString("base64url")],
    [1, () => standard.replace(/=+$/, "")],
    [1, () => standard.replace(/(.{76})/g, "$1\n")],
    [1, () => standard.replace(/\+/g, " ")],
  ])();
}

function flipBits(rng: Prng, bytes: Uint8Array, flips: number): Uint8Array {
  const out = new Uint8Array(bytes);
  if (out.length === 0) return out;
  for (let i = 0; i < flips; i += 1) {
    const at = rng.int(out.length);
    out[at] = (out[at] as number) ^ (1 << rng.int(8));
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** DER-ish bytes that break a parser: mutated real certificates, lying lengths, deep nesting, garbage. */
export function mutatedDer(rng: Prng, seeds: Uint8Array[]): Uint8Array {
  const seed = rng.pick(seeds);
  return rng.weighted<() => Uint8Array>([
    [4, () => seed.subarray(0, rng.int(seed.length))],
    [4, () => flipBits(rng, seed, rng.between(1, 4))],
    [2, () => flipBits(rng, seed, rng.between(5, 200))],
    [2, () => rng.bytes(rng.between(0, 2_048))],
    [1, () => concat(seed, rng.bytes(rng.between(1, 64)))],
    [1, () => concat(seed.subarray(0, rng.int(seed.length)), seed.subarray(rng.int(seed.length)))],
    // SEQUENCE claiming 4 GiB of content.
    [1, () => concat(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), seed.subarray(6))],
    // Indefinite lengths, which DER forbids.
    [1, () => concat(new Uint8Array([0x30, 0x80]), seed.subarray(4), new Uint8Array([0, 0]))],
    // Thousands of nested SEQUENCEs.
    [1, () => new Uint8Array(Array.from({ length: rng.between(1_000, 20_000) }, () => [0x30, 0x80]).flat())],
    // An OID with an absurd arc, a huge INTEGER.
    [1, () => new Uint8Array([0x30, 0x0c, 0x06, 0x0a, ...Array(9).fill(0xff), 0x7f])],
    [1, () => concat(new Uint8Array([0x02, 0x82, 0x27, 0x10]), rng.bytes(10_000))],
    [1, () => new Uint8Array(rng.pick([[], [0x30], [0x30, 0x00], [0x00], [0x05, 0x00], [0xff, 0xff]]))],
  ])();
}

/** Signature bytes that must never verify: mutated real ones, wrong lengths, degenerate values. */
export function mutatedSignature(rng: Prng, seeds: Uint8Array[]): Uint8Array {
  const seed = rng.pick(seeds);
  return rng.weighted<() => Uint8Array>([
    [4, () => flipBits(rng, seed, rng.between(1, 3))],
    [3, () => seed.subarray(0, rng.int(seed.length))],
    [2, () => rng.bytes(rng.pick([0, 1, 32, 63, 64, 65, 71, 72, 96, 127, 128, 129, 512, 1024, 1025, 2048]))],
    [1, () => new Uint8Array(rng.pick([64, 128])).fill(rng.pick([0x00, 0xff]))],
    // ECDSA DER with r = s = 0, with a negative r, with lying lengths.
    [1, () => new Uint8Array([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])],
    [
      1,
      () =>
        concat(
          new Uint8Array([0x30, 0x44, 0x02, 0x20, 0xff]),
          rng.bytes(31),
          new Uint8Array([0x02, 0x20]),
          rng.bytes(32),
        ),
    ],
    [1, () => new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01])],
    [1, () => concat(seed, seed)],
  ])();
}

/** A field value for a base64 field: mostly well-formed base64 of broken bytes, sometimes broken base64. */
export function base64Field(rng: Prng, mutate: (rng: Prng) => Uint8Array): string {
  return rng.chance(0.8) ? encodeAnyBase64(rng, mutate(rng)) : invalidBase64(rng);
}
