import { checkEnvelopeText, type EnvelopeCheck, leakIn } from "./answers.ts";
import { type ApiMethod, apiMethods, type Scene } from "./endpoints.ts";
import {
  addJunkField,
  base64Field,
  deepJsonText,
  encodeAnyBase64,
  type FuzzSeeds,
  invalidBase64,
  junkNumber,
  junkString,
  junkValue,
  mutatedDer,
  mutatedSignature,
  randomUuid,
} from "./fuzz-inputs.ts";
import type { RawReply, RawRequest } from "./http-client.ts";
import type { Prng } from "./prng.ts";

/** What the HTTP fuzzer knows of the server: real ids, valid tokens and the seeds of its mutations. */
export interface HttpFuzzWorld {
  scene: Scene;
  tokens: readonly string[];
  seeds: FuzzSeeds;
  /** The server's body limit: some inputs exceed it on purpose. */
  maxBodyBytes: number;
}

/** One generated input: the request and the name it is counted under (endpoint or "GET /api/file/…"). */
export interface HttpInput {
  label: string;
  request: RawRequest;
}

/** Percent-encodes every byte of the UTF-8 form except unreserved ASCII (lone surrogates become U+FFFD). */
export function percentEncode(text: string): string {
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function junkToken(rng: Prng): string {
  return rng.chance(0.5) ? randomUuid(rng) : junkString(rng);
}

function junkPhone(rng: Prng): unknown {
  return rng.weighted<() => unknown>([
    [3, () => junkString(rng)],
    [2, () => `+7${rng.between(0, 9_999_999_999)}`],
    [1, () => rng.pick(["+", "8", "+7 (", "79991234567".repeat(5), "+1 202 555 0100", "+44 20 7946 0958"])],
    [1, () => junkNumber(rng)],
  ])();
}

function randomBase64(rng: Prng, maxBytes: number): string {
  return encodeAnyBase64(rng, rng.bytes(rng.int(maxBytes)));
}

/** A wrong value for a field, chosen by what the field means. */
function fieldJunk(rng: Prng, field: string, world: HttpFuzzWorld): unknown {
  const { seeds } = world;
  if (rng.chance(0.25)) return junkValue(rng);
  switch (field) {
    case "cert":
      return base64Field(rng, (r) => mutatedDer(r, seeds.certificates));
    case "sign":
      return base64Field(rng, (r) => mutatedSignature(r, seeds.signatures));
    case "cms":
      return base64Field(rng, (r) => mutatedDer(r, seeds.cms));
    case "text":
    case "data":
    case "key":
      return rng.weighted<() => unknown>([
        [3, () => invalidBase64(rng)],
        [2, () => randomBase64(rng, 256)],
        [0.3, () => randomBase64(rng, 70_000)],
        [1, () => ""],
      ])();
    case "chat":
    case "file":
      return rng.chance(0.5) ? randomUuid(rng) : junkString(rng);
    case "token":
      return junkToken(rng);
    case "phone":
      return junkPhone(rng);
    case "phones":
      return rng.chance(0.9)
        ? Array.from({ length: rng.between(1, 5) }, () => junkPhone(rng))
        : Array.from({ length: 1001 }, () => rng.pick(["+79990000000", 79990000000, "x", ""]));
    case "keys":
      return rng.weighted<() => unknown>([
        [3, () => world.scene.keys.map((key) => mutateObject(rng, { ...key }, world, 1))],
        [1, () => []],
        [1, () => Array.from({ length: 1001 }, () => world.scene.keys[0])],
        [1, () => [...world.scene.keys, ...world.scene.keys]],
      ])();
    case "id":
    case "cid":
    case "pid":
    case "code":
      return rng.chance(0.7) ? junkNumber(rng) : String(junkNumber(rng));
    default:
      return junkString(rng);
  }
}

/** Applies `count` random mutations to an object body: drops, wrong values, extra keys. */
function mutateObject(
  rng: Prng,
  body: Record<string, unknown>,
  world: HttpFuzzWorld,
  count: number,
): Record<string, unknown> {
  for (let i = 0; i < count; i += 1) {
    const keys = Object.keys(body);
    const op = rng.weighted<string>([
      [keys.length > 0 ? 3 : 0, "drop"],
      [keys.length > 0 ? 8 : 0, "junk"],
      [3, "extra"],
    ]);
    const key = keys.length > 0 ? rng.pick(keys) : "token";
    if (op === "drop") delete body[key];
    else if (op === "junk") body[key] = fieldJunk(rng, key, world);
    else addJunkField(rng, body);
  }
  return body;
}

const jsonTypes = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json;charset=latin1",
] as const;
const wrongTypes = [
  "text/plain",
  "text/html",
  "multipart/form-data; boundary=----x",
  "application/xml",
  "application/octet-stream",
  "application/json; charset=utf-16",
  "application/x-www-form-urlencoded; charset=koi8-r",
  "*/*",
  "application/vnd.api+json",
  "image/png",
] as const;

function formOf(value: unknown): string {
  if (typeof value !== "object" || value === null) return `value=${percentEncode(String(value))}`;
  const params: string[] = [];
  for (const [key, field] of Object.entries(value)) {
    const items = Array.isArray(field) ? field : [field];
    for (const item of items) {
      const text = typeof item === "object" && item !== null ? JSON.stringify(item) : String(item);
      params.push(`${percentEncode(key)}=${percentEncode(text)}`);
    }
  }
  return params.join("&");
}

/** Bytes that are no longer valid UTF-8/JSON: overlong forms, encoded surrogates, truncation. */
function corruptJson(rng: Prng, json: string): Uint8Array {
  const bytes = Buffer.from(json, "utf8");
  const at = rng.int(bytes.length + 1);
  const insert = (extra: number[]) =>
    Buffer.concat([bytes.subarray(0, at), Buffer.from(extra), bytes.subarray(at)]);
  return new Uint8Array(
    rng.weighted<() => Buffer>([
      [2, () => insert([0xc0, 0xaf])],
      [2, () => insert([0xed, 0xa0, 0x80])],
      [1, () => insert([0xff, 0xfe])],
      [1, () => insert([0xf4, 0x90, 0x80, 0x80])],
      [3, () => bytes.subarray(0, at)],
      [1, () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes])],
      [1, () => Buffer.concat([bytes, Buffer.from(rng.pick(["}", "]", ",", " garbage", "\u0000", "{}"]))])],
      [1, () => Buffer.from(json.replace(/"/g, "'"))],
      [1, () => Buffer.from(json.replace(/:(\s*)\d+/, ":1e999"))],
      [1, () => Buffer.from(json.replace(/^\{/, '{"token":1,"token":"x",'))],
      [1, () => Buffer.from(`// comment\n${json}`)],
      [1, () => Buffer.from(json.replace(/:(\s*)"[^"]*"/, ":NaN"))],
    ])(),
  );
}

interface Encoded {
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

/** The body on the wire: JSON, a form, or the two mismatched, wrong content types, broken bytes, extremes. */
function encodeBody(rng: Prng, body: unknown, world: HttpFuzzWorld): Encoded {
  const json = JSON.stringify(body) ?? "null";
  const withType = (type: string, payload: Uint8Array | string): Encoded => ({
    headers: { "content-type": type },
    body: payload,
  });
  return rng.weighted<() => Encoded>([
    [64, () => withType(rng.pick(jsonTypes), json)],
    [8, () => withType("application/x-www-form-urlencoded", formOf(body))],
    [2, () => withType("application/x-www-form-urlencoded", json)],
    [2, () => withType("application/json", formOf(body))],
    [4, () => withType(rng.pick(wrongTypes), rng.chance(0.5) ? json : formOf(body))],
    [2, () => ({ headers: {}, body: json })],
    [7, () => withType("application/json", corruptJson(rng, json))],
    [3, () => withType("application/json", deepJsonText(rng, rng.pick([64, 1_000, 10_000, 100_000])))],
    [
      0.15,
      () => {
        // Around the body limit: just under it (a huge string) or over it (HTTP 413).
        const size = Math.floor(world.maxBodyBytes * rng.pick([0.6, 1.05]));
        return withType("application/json", `{"token":"${"A".repeat(size)}"}`);
      },
    ],
    [1, () => withType(rng.pick(["application/json", "application/x-www-form-urlencoded"]), "")],
    [1, () => withType("application/json", `[${"1,".repeat(rng.between(1, 20_000))}1]`)],
  ])();
}

function tokenPlacement(
  rng: Prng,
  world: HttpFuzzWorld,
  method: ApiMethod,
): { body?: string; header?: string } {
  if (!method.takesToken && rng.chance(0.8)) return {};
  const valid = rng.pick(world.tokens);
  return rng.weighted<() => { body?: string; header?: string }>([
    [6, () => ({ body: valid })],
    [2, () => ({ header: `Bearer ${valid}` })],
    [1, () => ({})],
    [2, () => ({ body: junkToken(rng) })],
    [
      1,
      () => ({
        header: rng.pick([
          "Bearer",
          "Bearer ",
          `Bearer ${valid} extra`,
          `Basic ${Buffer.from("a:b").toString("base64")}`,
          `bearer ${percentEncode(junkString(rng)).slice(0, 4_000)}`,
          `Bearer ${"x".repeat(10_000)}`,
        ]),
      }),
    ],
  ])();
}

function apiPath(rng: Prng, path: string): string {
  return rng.weighted<() => string>([
    [80, () => path],
    [8, () => path.replace(/\/$/, "")],
    [
      6,
      () =>
        `${path}?${rng.pick([
          `token=${percentEncode(junkString(rng))}`,
          "__proto__[polluted]=1&constructor[prototype][x]=1",
          "a[b][c][d][e]=1&a=2&a=3",
          "%ff%fe=%zz",
          "&&&==&",
          `q=${"x".repeat(8_000)}`,
        ])}`,
    ],
    [2, () => path.toUpperCase()],
    [2, () => `/${path}`],
    [2, () => `${path}${rng.pick(["extra/", "..%2f", "%00", "%2e%2e/", ";jsessionid=1", "%zz"])}`],
  ])();
}

/**
 * Methods node's parser knows. An unknown one ("FOO") is refused before the body is read, and the connection
 * closed while the client may still be writing (a reset, not a readable answer): rawHttpBytes sends those.
 */
const otherMethods = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND"] as const;

/** A request to one API method: a valid body mutated, encoded some way, with some token, verb and path. */
export function apiInput(rng: Prng, world: HttpFuzzWorld, method: ApiMethod): HttpInput {
  const token = tokenPlacement(rng, world, method);
  let body: unknown = {
    ...(token.body !== undefined ? { token: token.body } : {}),
    ...method.body(world.scene),
  };
  const mutations = rng.weighted<number>([
    [1, 0],
    [6, 1],
    [3, 2],
    [1, 4],
  ]);
  if (rng.chance(0.05)) body = junkValue(rng);
  else body = mutateObject(rng, body as Record<string, unknown>, world, mutations);
  const encoded = encodeBody(rng, body, world);
  const headers = {
    ...encoded.headers,
    ...(token.header !== undefined ? { authorization: token.header } : {}),
  };
  const verb = rng.chance(0.93) ? "POST" : rng.pick(otherMethods);
  return {
    label: method.name,
    request: {
      method: verb,
      path: apiPath(rng, method.path),
      headers,
      body: verb === "GET" || verb === "HEAD" ? undefined : encoded.body,
    },
  };
}

function junkSegment(rng: Prng, valid: string): string {
  return rng.weighted<() => string>([
    [4, () => valid],
    [2, () => randomUuid(rng)],
    [2, () => percentEncode(junkString(rng)).slice(0, 2_000)],
    [1, () => rng.pick(["", "..", "%2e%2e", "..%2f..%2fetc%2fpasswd", "%zz", "%00", "x".repeat(65)])],
  ])();
}

/** GET /api/file/:chat/:file with real and junk ids, tokens and trailing junk. */
function rawFileInput(rng: Prng, world: HttpFuzzWorld): HttpInput {
  const { chat, file } = world.scene;
  const path = `/api/file/${junkSegment(rng, chat)}/${junkSegment(rng, file)}`;
  const suffix = rng.weighted<string>([
    [8, ""],
    [1, "/"],
    [1, "/extra"],
    [1, `?token=${rng.pick(world.tokens)}`],
  ]);
  const token = tokenPlacement(rng, world, apiMethods[1] as ApiMethod);
  const header = token.header ?? (token.body !== undefined ? `Bearer ${token.body}` : undefined);
  return {
    label: "GET /api/file/:chat/:file",
    request: {
      method: rng.chance(0.9) ? "GET" : rng.pick(otherMethods),
      path: `${path}${suffix}`,
      headers: header !== undefined ? { authorization: percentEncode(header).replace(/%20/g, " ") } : {},
    },
  };
}

/** Paths and verbs outside the API methods: unknown methods, the service endpoints, junk paths. */
function otherInput(rng: Prng): HttpInput {
  const path = rng.pick([
    "/",
    "/api",
    "/api/",
    "/api/unknown/",
    `/api/${percentEncode(junkString(rng)).slice(0, 1_000)}/`,
    "/api/file/",
    "/api/file",
    "/healthz",
    "/docs/openapi.json",
    "/docs/",
    "/favicon.ico",
    "/%zz",
    "/..%2f..%2fetc/passwd",
    `/${"a/".repeat(2_000)}`,
  ]);
  const verb = rng.pick(["GET", "POST", ...otherMethods]);
  const hasBody = verb !== "GET" && verb !== "HEAD";
  return {
    label: "other paths",
    request: {
      method: verb,
      path,
      headers: hasBody ? { "content-type": "application/json" } : {},
      body: hasBody ? JSON.stringify(junkValue(rng)) : undefined,
    },
  };
}

/** Input `rng` of the HTTP fuzz: most go to the API methods, the rest to the raw download and elsewhere. */
export function httpInput(rng: Prng, world: HttpFuzzWorld): HttpInput {
  const kind = rng.weighted<string>([
    [88, "api"],
    [8, "file"],
    [4, "other"],
  ]);
  if (kind === "file") return rawFileInput(rng, world);
  if (kind === "other") return otherInput(rng);
  return apiInput(rng, world, rng.pick(apiMethods));
}

/** Requests node:http cannot produce, written as raw bytes: bad request lines, headers, framing. */
export function rawHttpBytes(rng: Prng): Uint8Array {
  const line = rng.pick([
    "POST /api/profile/ HTTP/1.1",
    "GET /api/file/a/b HTTP/1.1",
    "POST /api/auth/ HTTP/1.0",
    "POST  /api/auth/  HTTP/1.1",
    "POST /api/auth/ HTTP/9.9",
    "GET / HTTP/0.9",
    "\u0000\u0001\u0002",
    `POST /${"a".repeat(100_000)} HTTP/1.1`,
    "POST /api/profile/\u0000 HTTP/1.1",
    "FOO /api/registryPhone/ HTTP/1.1",
  ]);
  const headers = rng.pick([
    "Host: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n",
    "Host: x\r\nContent-Length: -1\r\n",
    "Host: x\r\nContent-Length: abc\r\n",
    "Host: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n",
    "Host: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n",
    "Host: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n",
    `Host: x\r\nX-Big: ${"b".repeat(20_000)}\r\n`,
    "Host: x\r\nBad Header\r\n",
    "Host: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n",
    "",
  ]);
  const body = rng.pick([
    "{}",
    "zz\r\n{}\r\n0\r\n\r\n",
    '5\r\n{"a":\r\n0\r\n\r\n',
    '{"token":"',
    "",
    "\u0000".repeat(64),
  ]);
  return new Uint8Array(Buffer.from(`${line}\r\n${headers}\r\n${body}`, "latin1"));
}

/**
 * Statuses other than 200 an error envelope may come with (docs/API.md "Conventions"), by error code: a body
 * over the limit, a path outside /api/, and requests that are not HTTP Node's parser accepts (unknown verb,
 * bad framing: 400; headers too large: 431).
 */
const transportStatuses: Record<number, readonly string[]> = {
  400: ["InvalidSchema"],
  404: ["MethodNotFound"],
  413: ["DataError"],
  431: ["DataError"],
};
/** The raw download answers its errors with 4xx (docs/API.md "GET /api/file/:chat/:file"). */
const downloadStatuses: Record<number, readonly string[]> = {
  ...transportStatuses,
  401: ["NeedAuthentication", "SessionExpired", "NeedRegisterPhone"],
  404: ["GetChatsError", "DataError", "MethodNotFound"],
};

export interface HttpVerdict {
  /** What is wrong with the answer, if anything. */
  problem?: string;
  envelope?: EnvelopeCheck;
}

/** Judges one answer: no 5xx, nothing leaked, and the envelope with a status the API documents for it. */
export function judgeHttp(request: RawRequest, reply: RawReply, paths: readonly string[]): HttpVerdict {
  if (reply.status >= 500) return { problem: `HTTP ${reply.status}: ${reply.text.slice(0, 200)}` };
  if (request.method === "HEAD") return {};
  const pathname = request.path.split("?")[0] ?? "";
  const download = request.method === "GET" && pathname.startsWith("/api/file/");
  if (download && reply.status === 200 && reply.headers["content-type"] === "application/octet-stream")
    return {};
  const leak = leakIn(reply.text, paths);
  if (leak) return { problem: `leak /${leak}/: ${reply.text.slice(0, 300)}` };
  if (request.method === "GET" && reply.status === 200 && pathname === "/docs/openapi.json") return {};
  // The web client's page (docs/WEB.md): HTML by design, outside the API.
  const page = String(reply.headers["content-type"] ?? "").startsWith("text/html");
  if (request.method === "GET" && reply.status === 200 && pathname === "/" && page) return {};
  const envelope = checkEnvelopeText(reply.text);
  if (!envelope.ok)
    return { problem: `HTTP ${reply.status}, not an envelope: ${envelope.problem}`, envelope };
  if (reply.status === 200) return { envelope };
  const allowed = (download ? downloadStatuses : transportStatuses)[reply.status] ?? [];
  const code = envelope.success ? "success" : envelope.error;
  if (!allowed.includes(code)) return { problem: `HTTP ${reply.status} with ${code}`, envelope };
  return { envelope };
}

/**
 * Judges the answer to raw bytes (see rawHttpBytes): the server may close without a word, but what it says
 * must be an HTTP answer below 500 carrying the envelope (the first answer; pipelined ones are ignored).
 */
export function judgeRawAnswer(answer: string, paths: readonly string[]): string | undefined {
  if (answer === "") return undefined;
  const status = /^HTTP\/1\.[01] (\d{3}) /.exec(answer);
  if (!status) return `not an HTTP answer: ${answer.slice(0, 120)}`;
  if (Number(status[1]) >= 500) return `HTTP ${status[1]}: ${answer.slice(0, 200)}`;
  const leak = leakIn(answer, paths);
  if (leak) return `leak /${leak}/: ${answer.slice(0, 300)}`;
  const headEnd = answer.indexOf("\r\n\r\n");
  const length = /\r\ncontent-length: (\d+)/i.exec(answer.slice(0, headEnd));
  const body = answer.slice(headEnd + 4, headEnd + 4 + Number(length?.[1] ?? 0));
  // Node itself refuses an HTTP/1.1 request without Host (400, no body) before any application code runs.
  if (status[1] === "400" && body === "" && !length) return undefined;
  // The web client's page (a raw `GET /`): HTML by design, outside the API.
  if (status[1] === "200" && /\r\ncontent-type: text\/html/i.test(answer.slice(0, headEnd))) return undefined;
  const envelope = checkEnvelopeText(Buffer.from(body, "latin1").toString("utf8"));
  return envelope.ok ? undefined : `HTTP ${status[1]}, not an envelope: ${envelope.problem}`;
}
