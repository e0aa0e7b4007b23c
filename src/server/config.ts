import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import proxyAddr from "@fastify/proxy-addr";
import { IPV6_PREFIX_BITS } from "./services/limit-key.ts";
import { type TrustSource, trustSourceList } from "./trust-list.ts";

/** Every setting of the server, validated once at start-up (docs/DECISIONS.md §8). Durations are in milliseconds. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** CA certificate files or directories; empty = the test CA of the data directory. */
  trust: string[];
  /** The entries of `trust` marked `qualified:`: their CAs issue qualified certificates (Russian IDs count). */
  qualifiedTrust: string[];
  crl: string[];
  sms: { provider: "console" } | { provider: "http"; url: string; timeoutMs: number };
  limits: {
    maxBodyBytes: number;
    /** Decoded size of a message's text ciphertext. */
    maxTextBytes: number;
    /** Decoded size of a message's file; its base64 must also fit in maxBodyBytes. */
    maxFileBytes: number;
    smsResendIntervalMs: number;
    smsPerHourPerPhone: number;
    smsPerHourPerAddress: number;
    smsMaxAttempts: number;
    /** Requests per client address to each of /api/auth/ and /api/confirmAuth/. */
    authRate: Rate;
    /** Distinct phones one user may look up with /api/contacts/ per UTC day. */
    contactLookupsPerDay: number;
    /** Body limit of every method but sendMessage (which alone carries files: maxBodyBytes). */
    maxRequestBytes: number;
    /** Bytes of request bodies the node holds while they arrive, all requests together; beyond → 413. */
    maxBodiesInFlightBytes: number;
    /** Decoded size of a message's detached CMS signature (CAdES-X Long carries certificates and CRLs). */
    maxCmsBytes: number;
    /** Bytes of message fields in one history page; the page stops early beyond it. */
    maxPageBytes: number;
    /** Bytes a socket may send before it has sent its token (`session` or handshake); more → disconnected. */
    socketPreAuthBytes: number;
    /**
     * Bytes of one socket's events queued and not yet answered (sends committing, or waiting their turn); an
     * event that would pass it is refused with DataError, the socket stays connected. At least maxBodyBytes.
     */
    socketQueueBytes: number;
  };
  /** Slow clients: how long the server waits for a request's headers, its whole body, a silent body. */
  timeouts: {
    httpHeadersMs: number;
    httpRequestMs: number;
    httpBodyIdleMs: number;
    /** A streamed answer (a file download) its client reads nothing of for this long loses its connection. */
    httpAnswerIdleMs: number;
    socketAuthMs: number;
  };
  /** The worker pool that checks certificates and signatures off the event loop. */
  verify: { workers: number; queue: number };
  /** "auto": Debian's libengine-gost-openssl when installed; "off"; or the path of a gost.so. */
  gostEngine: "auto" | "off" | { path: string };
  /** Where file contents live (docs/DECISIONS.md §6): under the data directory, or in an S3 bucket. */
  files: { store: "fs" } | ({ store: "s3" } & S3Settings);
  /**
   * The orphan blob sweep (docs/OPERATIONS.md "Orphan files"): how often each node runs it ("off": never, the
   * operator runs `certchat files sweep`), and how old an unreferenced blob must be to be taken for an orphan.
   */
  blobSweep: { intervalMs: number | "off"; graceMs: number };
  ttl: { tokenIdleMs: number; nonceMs: number; smsCodeMs: number; sessionMaxAgeMs: number };
  /** How often CERTCHAT_TRUST and CERTCHAT_CRL are read again (SIGHUP does it at once). */
  crlReloadMs: number;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Where Prometheus scrapes /metrics: its own listener, never the API's; "off" = no listener. */
  metrics: { host: string; port: number } | "off";
  /** Which peers' X-Forwarded-For is believed when finding a client's address (rate limits, logs). */
  trustProxy: TrustProxy;
  /** How many leading bits of a client's IPv6 address its per-address limits are keyed on (docs/DECISIONS.md §19). */
  ipv6PrefixBits: number;
  /** On shutdown, how long /readyz answers 503 before sockets and HTTP are closed (load balancers notice). */
  drainDelayMs: number;
  /** On shutdown, sockets closed a second (0: all at once), so that their clients do not all return at once. */
  drainSocketsPerSecond: number;
  /**
   * On shutdown, once HTTP answers 503: the listener closes when no request (health checks aside) has arrived for
   * this long, or after CLOSING_QUIET_LIMIT_MS (docs/DECISIONS.md §34); 0 = at once.
   */
  closingQuietMs: number;
}

/**
 * "off": the TCP peer is the client. "all": any peer's header is believed (spoofable by anyone who reaches the
 * server directly). "hops": the last `count` hops are proxies. "addresses": peers in these addresses/CIDRs.
 */
export type TrustProxy =
  | { kind: "off" }
  | { kind: "all" }
  | { kind: "hops"; count: number }
  | { kind: "addresses"; list: string[] };

/** An S3 (or S3-compatible) bucket; without credentials the AWS SDK's default chain supplies them. */
export interface S3Settings {
  /** Unset = AWS itself. */
  endpoint?: string;
  bucket: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Bucket in the path (http://host/bucket/key) rather than the host name; most self-hosted servers need it. */
  pathStyle: boolean;
}

/** At most `count` requests per `perMs`, refilled continuously (a token bucket of `count` tokens). */
export interface Rate {
  count: number;
  perMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "30d", "5m", "90s", "250ms" or a bare number of seconds. */
export function parseDuration(variable: string, text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match)
    throw new ConfigError(variable, `expected a duration like 30d, 5m, 90s or 250ms, got "${text}"`);
  const value = Number(match[1]) * (durationUnits[match[2] ?? "s"] ?? 1000);
  if (value <= 0) throw new ConfigError(variable, "must be greater than zero");
  return value;
}

/** "10MiB", "512KiB", "1048576" (bytes). */
export function parseSize(variable: string, text: string): number {
  const match = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/i.exec(text.trim());
  if (!match) throw new ConfigError(variable, `expected a size like 10MiB or 1048576, got "${text}"`);
  const unit = (match[2] ?? "B").toLowerCase();
  const factor = unit.startsWith("k")
    ? 1024
    : unit.startsWith("m")
      ? 1024 ** 2
      : unit.startsWith("g")
        ? 1024 ** 3
        : 1;
  const value = Number(match[1]) * factor;
  if (value <= 0) throw new ConfigError(variable, "must be greater than zero");
  return value;
}

/** "30/10s": 30 requests per 10 seconds. */
export function parseRate(variable: string, text: string): Rate {
  const match = /^(\d+)\s*\/\s*(\S+)$/.exec(text.trim());
  if (!match)
    throw new ConfigError(variable, `expected a rate like 30/10s (requests/duration), got "${text}"`);
  const count = Number(match[1]);
  if (count < 1 || count > 1_000_000) throw new ConfigError(variable, `count must be between 1 and 1000000`);
  return { count, perMs: parseDuration(variable, match[2] as string) };
}

function integer(variable: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new ConfigError(variable, `expected a whole number, got "${text}"`);
  const value = Number(text);
  if (value < min || value > max)
    throw new ConfigError(variable, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function url(variable: string, text: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    throw new ConfigError(variable, `not a valid URL: "${text}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(variable, `expected a ${protocols.join(" or ")} URL, got "${parsed.protocol}"`);
  }
  return text;
}

function list(text: string | undefined): string[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** CERTCHAT_TRUST: paths, each optionally prefixed `qualified:` (its CAs may assert Russian IDs). */
function trustSetting(text: string | undefined): Pick<Config, "trust" | "qualifiedTrust"> {
  let entries: TrustSource[];
  try {
    entries = trustSourceList(text);
  } catch (error) {
    throw new ConfigError("CERTCHAT_TRUST", (error as Error).message);
  }
  return {
    trust: entries.map((entry) => entry.path),
    qualifiedTrust: entries.filter((entry) => entry.qualified).map((entry) => entry.path),
  };
}

const s3Variables = [
  "CERTCHAT_S3_ENDPOINT",
  "CERTCHAT_S3_BUCKET",
  "CERTCHAT_S3_REGION",
  "CERTCHAT_S3_ACCESS_KEY",
  "CERTCHAT_S3_SECRET_KEY",
  "CERTCHAT_S3_PATH_STYLE",
];

const knownVariables = new Set([
  "CERTCHAT_HOST",
  "CERTCHAT_PORT",
  "CERTCHAT_DATA_DIR",
  "CERTCHAT_DATABASE_URL",
  "CERTCHAT_REDIS_URL",
  "CERTCHAT_TRUST",
  "CERTCHAT_CRL",
  "CERTCHAT_SMS_PROVIDER",
  "CERTCHAT_SMS_HTTP_URL",
  "CERTCHAT_SMS_HTTP_TIMEOUT",
  "CERTCHAT_MAX_BODY_BYTES",
  "CERTCHAT_MAX_TEXT_BYTES",
  "CERTCHAT_MAX_FILE_BYTES",
  "CERTCHAT_SMS_RESEND_INTERVAL",
  "CERTCHAT_SMS_PER_HOUR_PER_PHONE",
  "CERTCHAT_SMS_PER_HOUR_PER_ADDRESS",
  "CERTCHAT_SMS_MAX_ATTEMPTS",
  "CERTCHAT_TOKEN_TTL",
  "CERTCHAT_NONCE_TTL",
  "CERTCHAT_SMS_CODE_TTL",
  "CERTCHAT_SESSION_MAX_AGE",
  "CERTCHAT_CRL_RELOAD",
  "CERTCHAT_LOG_LEVEL",
  "CERTCHAT_AUTH_RATE",
  "CERTCHAT_VERIFY_WORKERS",
  "CERTCHAT_VERIFY_QUEUE",
  "CERTCHAT_GOST_ENGINE",
  "CERTCHAT_FILES",
  "CERTCHAT_BLOB_SWEEP_INTERVAL",
  "CERTCHAT_BLOB_SWEEP_GRACE",
  "CERTCHAT_METRICS_HOST",
  "CERTCHAT_METRICS_PORT",
  "CERTCHAT_TRUST_PROXY",
  "CERTCHAT_IPV6_PREFIX",
  "CERTCHAT_DRAIN_DELAY",
  "CERTCHAT_DRAIN_SOCKETS_PER_SECOND",
  "CERTCHAT_CLOSING_QUIET",
  "CERTCHAT_CONTACT_LOOKUPS_PER_DAY",
  "CERTCHAT_SMS_CONSOLE_ALLOWED",
  "CERTCHAT_MAX_REQUEST_BYTES",
  "CERTCHAT_MAX_BODIES_IN_FLIGHT",
  "CERTCHAT_MAX_CMS_BYTES",
  "CERTCHAT_MAX_PAGE_BYTES",
  "CERTCHAT_SOCKET_PREAUTH_BYTES",
  "CERTCHAT_SOCKET_QUEUE_BYTES",
  "CERTCHAT_SOCKET_AUTH_TIMEOUT",
  "CERTCHAT_HTTP_HEADERS_TIMEOUT",
  "CERTCHAT_HTTP_REQUEST_TIMEOUT",
  "CERTCHAT_HTTP_BODY_IDLE_TIMEOUT",
  "CERTCHAT_HTTP_ANSWER_IDLE_TIMEOUT",
  ...s3Variables,
]);

type Lookup = (name: string) => string | undefined;

/** S3 bucket naming rules: 3–63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function filesSetting(get: Lookup): Config["files"] {
  const store = get("CERTCHAT_FILES") ?? "fs";
  if (store === "fs") {
    // S3 settings without CERTCHAT_FILES=s3 would silently keep files on local disk.
    const stray = s3Variables.find((name) => get(name) !== undefined);
    if (stray) throw new ConfigError(stray, "set, but CERTCHAT_FILES is not s3");
    return { store: "fs" };
  }
  if (store !== "s3") throw new ConfigError("CERTCHAT_FILES", `expected fs or s3, got "${store}"`);
  return { store: "s3", ...s3Settings(get) };
}

function s3Settings(get: Lookup): S3Settings {
  const bucket = get("CERTCHAT_S3_BUCKET");
  if (!bucket) throw new ConfigError("CERTCHAT_S3_BUCKET", "required when CERTCHAT_FILES=s3");
  if (!BUCKET_NAME.test(bucket)) {
    throw new ConfigError("CERTCHAT_S3_BUCKET", `not a valid bucket name: "${bucket}"`);
  }
  const endpoint = get("CERTCHAT_S3_ENDPOINT");
  if (endpoint) {
    url("CERTCHAT_S3_ENDPOINT", endpoint, ["http:", "https:"]);
    const parsed = new URL(endpoint);
    // The banner and logs show the endpoint: keys belong in their own variables.
    if (parsed.username || parsed.password) {
      throw new ConfigError(
        "CERTCHAT_S3_ENDPOINT",
        "put keys in CERTCHAT_S3_ACCESS_KEY/SECRET_KEY, not the URL",
      );
    }
  }
  const region = get("CERTCHAT_S3_REGION") ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(region)) {
    throw new ConfigError("CERTCHAT_S3_REGION", `expected a region like us-east-1, got "${region}"`);
  }
  const accessKeyId = get("CERTCHAT_S3_ACCESS_KEY");
  const secretAccessKey = get("CERTCHAT_S3_SECRET_KEY");
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? "CERTCHAT_S3_ACCESS_KEY" : "CERTCHAT_S3_SECRET_KEY";
    throw new ConfigError(missing, "CERTCHAT_S3_ACCESS_KEY and CERTCHAT_S3_SECRET_KEY go together");
  }
  const pathStyle = get("CERTCHAT_S3_PATH_STYLE") ?? "false";
  if (pathStyle !== "true" && pathStyle !== "false") {
    throw new ConfigError("CERTCHAT_S3_PATH_STYLE", `expected true or false, got "${pathStyle}"`);
  }
  return {
    endpoint,
    bucket,
    region,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    pathStyle: pathStyle === "true",
  };
}

function metricsSetting(get: Lookup): Config["metrics"] {
  const port = get("CERTCHAT_METRICS_PORT") ?? "9464";
  if (port === "off") return "off";
  return {
    host: get("CERTCHAT_METRICS_HOST") ?? "127.0.0.1",
    port: integer("CERTCHAT_METRICS_PORT", port, 0, 65535),
  };
}

/**
 * The sweep's interval (1m–7d: timers overflow at 24.8 d) and grace period: at least 1h, far above any send's
 * time from storing its file to its commit (HTTP requests end within CERTCHAT_HTTP_REQUEST_TIMEOUT) and
 * any clock skew between the nodes and the store (docs/DECISIONS.md §21).
 */
function blobSweepSetting(get: Lookup): Config["blobSweep"] {
  const interval = get("CERTCHAT_BLOB_SWEEP_INTERVAL") ?? "6h";
  const intervalMs = interval === "off" ? "off" : parseDuration("CERTCHAT_BLOB_SWEEP_INTERVAL", interval);
  if (intervalMs !== "off" && (intervalMs < 60_000 || intervalMs > 7 * 86_400_000))
    throw new ConfigError("CERTCHAT_BLOB_SWEEP_INTERVAL", "must be off or between 1m and 7d");
  const graceMs = parseDuration("CERTCHAT_BLOB_SWEEP_GRACE", get("CERTCHAT_BLOB_SWEEP_GRACE") ?? "24h");
  if (graceMs < 3_600_000) throw new ConfigError("CERTCHAT_BLOB_SWEEP_GRACE", "must be at least 1h");
  return { intervalMs, graceMs };
}

function trustProxySetting(get: Lookup): TrustProxy {
  const text = get("CERTCHAT_TRUST_PROXY") ?? "off";
  if (text === "off" || text === "false") return { kind: "off" };
  if (text === "true") return { kind: "all" };
  if (/^\d+$/.test(text)) return { kind: "hops", count: integer("CERTCHAT_TRUST_PROXY", text, 1, 100) };
  const entries = list(text);
  try {
    // proxy-addr's own parser (addresses, CIDRs, netmasks, loopback/linklocal/uniquelocal) judges the list.
    proxyAddr.compile(entries);
  } catch (error) {
    throw new ConfigError(
      "CERTCHAT_TRUST_PROXY",
      `expected off, true, a hop count or proxy addresses/CIDRs: ${(error as Error).message}`,
    );
  }
  return { kind: "addresses", list: entries };
}

function ipv6PrefixSetting(text: string | undefined): number {
  const { fallback, min, max } = IPV6_PREFIX_BITS;
  return text === undefined ? fallback : integer("CERTCHAT_IPV6_PREFIX", text.replace(/^\//, ""), min, max);
}

/** Like a duration, but zero is allowed ("0" or "0s"). */
function durationOrZero(variable: string, text: string): number {
  return /^0+(ms|s|m|h|d)?$/.test(text.trim()) ? 0 : parseDuration(variable, text);
}

/**
 * The console provider hands every SMS code to whoever reads the server's output. With CERTCHAT_TRUST set
 * (real users' CAs) that is a production server, where it is refused unless explicitly allowed.
 */
function consoleSmsPermitted(get: Lookup): void {
  const allowed = get("CERTCHAT_SMS_CONSOLE_ALLOWED") ?? "false";
  if (allowed !== "true" && allowed !== "false") {
    throw new ConfigError("CERTCHAT_SMS_CONSOLE_ALLOWED", `expected true or false, got "${allowed}"`);
  }
  if (list(get("CERTCHAT_TRUST")).length > 0 && allowed === "false") {
    throw new ConfigError(
      "CERTCHAT_SMS_PROVIDER",
      "console (the default) puts SMS codes in the server log; with CERTCHAT_TRUST set use http, " +
        "or set CERTCHAT_SMS_CONSOLE_ALLOWED=true",
    );
  }
}

/** A timer's interval: at least 10 s (each reload re-reads every file) and at most 7 d (timers overflow at 24.8 d). */
function crlReloadInterval(ms: number): number {
  if (ms < 10_000 || ms > 7 * 86_400_000)
    throw new ConfigError("CERTCHAT_CRL_RELOAD", "must be between 10s and 7d");
  return ms;
}

/** Builds the configuration from environment variables; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env): Config {
  for (const name of Object.keys(env)) {
    if (name.startsWith("CERTCHAT_") && !knownVariables.has(name)) {
      throw new ConfigError(name, "unknown setting (see docs/OPERATIONS.md for the list)");
    }
  }
  const get: Lookup = (name) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const duration = (name: string, fallback: string) => parseDuration(name, get(name) ?? fallback);
  const count = (name: string, fallback: number, max: number) => {
    const text = get(name);
    return text === undefined ? fallback : integer(name, text, 1, max);
  };

  // Trust first: the console SMS check below reads it, and a broken entry should be named as such.
  const trust = trustSetting(get("CERTCHAT_TRUST"));
  const provider = get("CERTCHAT_SMS_PROVIDER") ?? "console";
  let sms: Config["sms"];
  if (provider === "console") {
    consoleSmsPermitted(get);
    sms = { provider: "console" };
  } else if (provider === "http") {
    const target = get("CERTCHAT_SMS_HTTP_URL");
    if (!target) throw new ConfigError("CERTCHAT_SMS_HTTP_URL", "required when CERTCHAT_SMS_PROVIDER=http");
    sms = {
      provider: "http",
      url: url("CERTCHAT_SMS_HTTP_URL", target, ["http:", "https:"]),
      timeoutMs: duration("CERTCHAT_SMS_HTTP_TIMEOUT", "5s"),
    };
  } else {
    throw new ConfigError("CERTCHAT_SMS_PROVIDER", `expected console or http, got "${provider}"`);
  }

  const logLevel = get("CERTCHAT_LOG_LEVEL") ?? "info";
  const levels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
  if (!(levels as readonly string[]).includes(logLevel)) {
    throw new ConfigError("CERTCHAT_LOG_LEVEL", `expected one of ${levels.join(", ")}, got "${logLevel}"`);
  }

  const engine = get("CERTCHAT_GOST_ENGINE") ?? "auto";
  if (engine !== "auto" && engine !== "off" && !existsSync(engine)) {
    throw new ConfigError(
      "CERTCHAT_GOST_ENGINE",
      `expected auto, off or an existing gost.so, got "${engine}"`,
    );
  }
  const gostEngine: Config["gostEngine"] =
    engine === "auto" || engine === "off" ? engine : { path: resolve(engine) };

  const size = (name: string, fallback: string) => parseSize(name, get(name) ?? fallback);
  const maxBodyBytes = size("CERTCHAT_MAX_BODY_BYTES", "32MiB");
  // Never above the largest body: unset, they shrink with it; set above it, they are a mistake.
  const atMostBody = (name: string, fallback: number) => {
    const text = get(name);
    if (text === undefined) return Math.min(fallback, maxBodyBytes);
    const value = parseSize(name, text);
    if (value > maxBodyBytes) throw new ConfigError(name, "must not exceed CERTCHAT_MAX_BODY_BYTES");
    return value;
  };

  // Never below the largest body: one full-size request must always fit.
  const atLeastBody = (name: string, fallback: number) => {
    const text = get(name);
    if (text === undefined) return Math.max(fallback, maxBodyBytes);
    const value = parseSize(name, text);
    if (value < maxBodyBytes) throw new ConfigError(name, "must be at least CERTCHAT_MAX_BODY_BYTES");
    return value;
  };

  const databaseUrl = get("CERTCHAT_DATABASE_URL");
  const redisUrl = get("CERTCHAT_REDIS_URL");
  const port = get("CERTCHAT_PORT");
  return {
    host: get("CERTCHAT_HOST") ?? "127.0.0.1",
    port: port === undefined ? 8080 : integer("CERTCHAT_PORT", port, 0, 65535),
    dataDir: resolve(get("CERTCHAT_DATA_DIR") ?? "./data"),
    databaseUrl: databaseUrl && url("CERTCHAT_DATABASE_URL", databaseUrl, ["postgres:", "postgresql:"]),
    redisUrl: redisUrl && url("CERTCHAT_REDIS_URL", redisUrl, ["redis:", "rediss:"]),
    ...trust,
    crl: list(get("CERTCHAT_CRL")),
    sms,
    limits: {
      maxBodyBytes,
      maxTextBytes: parseSize("CERTCHAT_MAX_TEXT_BYTES", get("CERTCHAT_MAX_TEXT_BYTES") ?? "64KiB"),
      maxFileBytes: parseSize("CERTCHAT_MAX_FILE_BYTES", get("CERTCHAT_MAX_FILE_BYTES") ?? "20MiB"),
      smsResendIntervalMs: duration("CERTCHAT_SMS_RESEND_INTERVAL", "60s"),
      smsPerHourPerPhone: count("CERTCHAT_SMS_PER_HOUR_PER_PHONE", 5, 1000),
      smsPerHourPerAddress: count("CERTCHAT_SMS_PER_HOUR_PER_ADDRESS", 20, 100_000),
      smsMaxAttempts: count("CERTCHAT_SMS_MAX_ATTEMPTS", 5, 100),
      authRate: parseRate("CERTCHAT_AUTH_RATE", get("CERTCHAT_AUTH_RATE") ?? "30/10s"),
      contactLookupsPerDay: count("CERTCHAT_CONTACT_LOOKUPS_PER_DAY", 1000, 1_000_000),
      maxRequestBytes: atMostBody("CERTCHAT_MAX_REQUEST_BYTES", 1024 ** 2),
      maxBodiesInFlightBytes: atLeastBody("CERTCHAT_MAX_BODIES_IN_FLIGHT", 256 * 1024 ** 2),
      maxCmsBytes: size("CERTCHAT_MAX_CMS_BYTES", "1MiB"),
      maxPageBytes: size("CERTCHAT_MAX_PAGE_BYTES", "8MiB"),
      socketPreAuthBytes: atMostBody("CERTCHAT_SOCKET_PREAUTH_BYTES", 16 * 1024),
      socketQueueBytes: atLeastBody("CERTCHAT_SOCKET_QUEUE_BYTES", 64 * 1024 ** 2),
    },
    timeouts: {
      httpHeadersMs: duration("CERTCHAT_HTTP_HEADERS_TIMEOUT", "10s"),
      httpRequestMs: duration("CERTCHAT_HTTP_REQUEST_TIMEOUT", "5m"),
      httpBodyIdleMs: duration("CERTCHAT_HTTP_BODY_IDLE_TIMEOUT", "10s"),
      httpAnswerIdleMs: duration("CERTCHAT_HTTP_ANSWER_IDLE_TIMEOUT", "60s"),
      socketAuthMs: duration("CERTCHAT_SOCKET_AUTH_TIMEOUT", "10s"),
    },
    verify: {
      workers: count("CERTCHAT_VERIFY_WORKERS", availableParallelism(), 256),
      queue: count("CERTCHAT_VERIFY_QUEUE", 256, 1_000_000),
    },
    gostEngine,
    files: filesSetting(get),
    blobSweep: blobSweepSetting(get),
    ttl: {
      tokenIdleMs: duration("CERTCHAT_TOKEN_TTL", "30d"),
      nonceMs: duration("CERTCHAT_NONCE_TTL", "5m"),
      smsCodeMs: duration("CERTCHAT_SMS_CODE_TTL", "10m"),
      sessionMaxAgeMs: duration("CERTCHAT_SESSION_MAX_AGE", "30d"),
    },
    crlReloadMs: crlReloadInterval(duration("CERTCHAT_CRL_RELOAD", "1h")),
    logLevel: logLevel as Config["logLevel"],
    metrics: metricsSetting(get),
    trustProxy: trustProxySetting(get),
    ipv6PrefixBits: ipv6PrefixSetting(get("CERTCHAT_IPV6_PREFIX")),
    drainDelayMs: durationOrZero("CERTCHAT_DRAIN_DELAY", get("CERTCHAT_DRAIN_DELAY") ?? "2s"),
    drainSocketsPerSecond: integer(
      "CERTCHAT_DRAIN_SOCKETS_PER_SECOND",
      get("CERTCHAT_DRAIN_SOCKETS_PER_SECOND") ?? "1000",
      0,
      1_000_000,
    ),
    closingQuietMs: durationOrZero("CERTCHAT_CLOSING_QUIET", get("CERTCHAT_CLOSING_QUIET") ?? "300ms"),
  };
}

/** Reads a `.env`-style file (KEY=value lines, # comments, optional quotes) into an environment map. */
export function readEnvFile(path: string): Env {
  const env: Env = {};
  const lines = readFileSync(path, "utf8").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new ConfigError(`${path}:${index + 1}`, `expected KEY=value, got "${line}"`);
    const value = (match[2] ?? "").replace(/^(["'])(.*)\1$/, "$2");
    env[match[1] as string] = value;
  });
  return env;
}
