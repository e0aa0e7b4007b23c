import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  ConfigError,
  loadConfig,
  parseDuration,
  parseRate,
  parseSize,
  readEnvFile,
} from "../../src/server/config.ts";

function configErrorFor(variable: string) {
  return (error: unknown) => error instanceof ConfigError && error.variable === variable;
}

test("an empty environment gives the embedded defaults", () => {
  const config = loadConfig({});
  assert.equal(config.host, "127.0.0.1");
  assert.equal(config.port, 8080);
  assert.equal(config.databaseUrl, undefined);
  assert.deepEqual(config.trust, []);
  assert.equal(config.sms.provider, "console");
  assert.equal(config.ttl.tokenIdleMs, 30 * 86_400_000);
  assert.equal(config.ttl.nonceMs, 5 * 60_000);
});

test("a port that is not a number names CERTCHAT_PORT", () => {
  assert.throws(() => loadConfig({ CERTCHAT_PORT: "eighty" }), configErrorFor("CERTCHAT_PORT"));
});

test("a port above 65535 is refused", () => {
  assert.throws(() => loadConfig({ CERTCHAT_PORT: "70000" }), configErrorFor("CERTCHAT_PORT"));
});

test("a database URL that is not PostgreSQL is refused", () => {
  assert.throws(
    () => loadConfig({ CERTCHAT_DATABASE_URL: "mysql://x" }),
    configErrorFor("CERTCHAT_DATABASE_URL"),
  );
});

test("the http SMS provider requires its URL", () => {
  assert.throws(() => loadConfig({ CERTCHAT_SMS_PROVIDER: "http" }), configErrorFor("CERTCHAT_SMS_HTTP_URL"));
});

test("an unknown SMS provider is refused", () => {
  assert.throws(
    () => loadConfig({ CERTCHAT_SMS_PROVIDER: "pigeon" }),
    configErrorFor("CERTCHAT_SMS_PROVIDER"),
  );
});

test("an unknown CERTCHAT_ variable is refused by name", () => {
  assert.throws(() => loadConfig({ CERTCHAT_PROT: "1" }), configErrorFor("CERTCHAT_PROT"));
});

test("trust and CRL lists are split on commas", () => {
  const config = loadConfig({
    CERTCHAT_TRUST: "a.pem, dir/ ,",
    CERTCHAT_CRL: "x.crl",
    CERTCHAT_SMS_CONSOLE_ALLOWED: "true",
  });
  assert.deepEqual(config.trust, ["a.pem", "dir/"]);
  assert.deepEqual(config.crl, ["x.crl"]);
});

test("the console SMS provider is refused when CERTCHAT_TRUST names real CAs", () => {
  assert.throws(() => loadConfig({ CERTCHAT_TRUST: "ca.pem" }), configErrorFor("CERTCHAT_SMS_PROVIDER"));
  assert.throws(
    () => loadConfig({ CERTCHAT_TRUST: "ca.pem", CERTCHAT_SMS_PROVIDER: "console" }),
    configErrorFor("CERTCHAT_SMS_PROVIDER"),
  );
});

test("CERTCHAT_SMS_CONSOLE_ALLOWED=true lets the console provider run with CERTCHAT_TRUST set", () => {
  const config = loadConfig({ CERTCHAT_TRUST: "ca.pem", CERTCHAT_SMS_CONSOLE_ALLOWED: "true" });
  assert.equal(config.sms.provider, "console");
});

test("CERTCHAT_SMS_CONSOLE_ALLOWED takes only true or false", () => {
  assert.throws(
    () => loadConfig({ CERTCHAT_SMS_CONSOLE_ALLOWED: "yes" }),
    configErrorFor("CERTCHAT_SMS_CONSOLE_ALLOWED"),
  );
});

test("the http SMS provider runs with CERTCHAT_TRUST set", () => {
  const config = loadConfig({
    CERTCHAT_TRUST: "ca.pem",
    CERTCHAT_SMS_PROVIDER: "http",
    CERTCHAT_SMS_HTTP_URL: "https://sms.example/send",
  });
  assert.equal(config.sms.provider, "http");
});

test("the contact lookup quota defaults to 1000 phones a day and takes a whole number", () => {
  assert.equal(loadConfig({}).limits.contactLookupsPerDay, 1000);
  assert.equal(loadConfig({ CERTCHAT_CONTACT_LOOKUPS_PER_DAY: "20" }).limits.contactLookupsPerDay, 20);
  assert.throws(
    () => loadConfig({ CERTCHAT_CONTACT_LOOKUPS_PER_DAY: "0" }),
    configErrorFor("CERTCHAT_CONTACT_LOOKUPS_PER_DAY"),
  );
});

test("CERTCHAT_TRUST entries prefixed qualified: are trusted and marked qualified", () => {
  const config = loadConfig({
    CERTCHAT_TRUST: "qualified:/ca/accredited, corp.pem,qualified: root.pem",
    CERTCHAT_SMS_CONSOLE_ALLOWED: "true",
  });
  assert.deepEqual(config.trust, ["/ca/accredited", "corp.pem", "root.pem"]);
  assert.deepEqual(config.qualifiedTrust, ["/ca/accredited", "root.pem"]);
});

test("a CERTCHAT_TRUST entry that is only the qualified: prefix is refused by name", () => {
  assert.throws(() => loadConfig({ CERTCHAT_TRUST: "a.pem,qualified:" }), configErrorFor("CERTCHAT_TRUST"));
});

test("durations accept units and bare seconds", () => {
  assert.equal(parseDuration("X", "30d"), 30 * 86_400_000);
  assert.equal(parseDuration("X", "90"), 90_000);
  assert.equal(parseDuration("X", "250ms"), 250);
  assert.throws(() => parseDuration("X", "soon"), configErrorFor("X"));
});

test("sizes accept binary units", () => {
  assert.equal(parseSize("X", "10MiB"), 10 * 1024 * 1024);
  assert.equal(parseSize("X", "512"), 512);
  assert.throws(() => parseSize("X", "big"), configErrorFor("X"));
});

test("an env file is read with comments, export and quotes", () => {
  const file = join(mkdtempSync(join(tmpdir(), "certchat-env-")), "certchat.env");
  writeFileSync(file, '# comment\nexport CERTCHAT_PORT=9090\nCERTCHAT_HOST="0.0.0.0"\n\n');
  assert.deepEqual(readEnvFile(file), { CERTCHAT_PORT: "9090", CERTCHAT_HOST: "0.0.0.0" });
});

test("a malformed env file line names the file and line", () => {
  const file = join(mkdtempSync(join(tmpdir(), "certchat-env-")), "bad.env");
  writeFileSync(file, "CERTCHAT_PORT=1\nnot a setting\n");
  assert.throws(
    () => readEnvFile(file),
    (error: unknown) => error instanceof ConfigError && /bad\.env:2/.test(error.message),
  );
});

test("the login rate, pool and engine settings have defaults", () => {
  const config = loadConfig({});
  assert.deepEqual(config.limits.authRate, { count: 30, perMs: 10_000 });
  assert.ok(config.verify.workers >= 1);
  assert.equal(config.verify.queue, 256);
  assert.equal(config.gostEngine, "auto");
});

test("CERTCHAT_AUTH_RATE reads count/duration", () => {
  assert.deepEqual(parseRate("X", "5/1m"), { count: 5, perMs: 60_000 });
  assert.deepEqual(loadConfig({ CERTCHAT_AUTH_RATE: " 100 / 250ms " }).limits.authRate, {
    count: 100,
    perMs: 250,
  });
  for (const bad of ["30", "30/", "/10s", "0/10s", "x/10s", "30/10 parsecs", "30/0s"]) {
    assert.throws(() => loadConfig({ CERTCHAT_AUTH_RATE: bad }), configErrorFor("CERTCHAT_AUTH_RATE"), bad);
  }
});

test("the verification pool size and queue must be positive whole numbers", () => {
  assert.equal(loadConfig({ CERTCHAT_VERIFY_WORKERS: "3" }).verify.workers, 3);
  assert.throws(
    () => loadConfig({ CERTCHAT_VERIFY_WORKERS: "0" }),
    configErrorFor("CERTCHAT_VERIFY_WORKERS"),
  );
  assert.throws(() => loadConfig({ CERTCHAT_VERIFY_QUEUE: "-1" }), configErrorFor("CERTCHAT_VERIFY_QUEUE"));
});

test("CERTCHAT_GOST_ENGINE is auto, off or an existing file", () => {
  assert.equal(loadConfig({ CERTCHAT_GOST_ENGINE: "off" }).gostEngine, "off");
  assert.throws(
    () => loadConfig({ CERTCHAT_GOST_ENGINE: "/nonexistent/gost.so" }),
    configErrorFor("CERTCHAT_GOST_ENGINE"),
  );
});

test("message text and file limits have defaults and take sizes", () => {
  const defaults = loadConfig({});
  assert.equal(defaults.limits.maxTextBytes, 64 * 1024);
  assert.equal(defaults.limits.maxFileBytes, 20 * 1024 * 1024);
  const set = loadConfig({ CERTCHAT_MAX_TEXT_BYTES: "1KiB", CERTCHAT_MAX_FILE_BYTES: "5MiB" });
  assert.equal(set.limits.maxTextBytes, 1024);
  assert.equal(set.limits.maxFileBytes, 5 * 1024 * 1024);
  assert.throws(
    () => loadConfig({ CERTCHAT_MAX_FILE_BYTES: "lots" }),
    configErrorFor("CERTCHAT_MAX_FILE_BYTES"),
  );
});

test("files stay under the data directory unless CERTCHAT_FILES=s3", () => {
  assert.deepEqual(loadConfig({}).files, { store: "fs" });
  assert.deepEqual(loadConfig({ CERTCHAT_FILES: "fs" }).files, { store: "fs" });
  assert.throws(() => loadConfig({ CERTCHAT_FILES: "ftp" }), configErrorFor("CERTCHAT_FILES"));
});

test("S3 settings have defaults and need only a bucket", () => {
  assert.deepEqual(loadConfig({ CERTCHAT_FILES: "s3", CERTCHAT_S3_BUCKET: "certchat-files" }).files, {
    store: "s3",
    endpoint: undefined,
    bucket: "certchat-files",
    region: "us-east-1",
    credentials: undefined,
    pathStyle: false,
  });
  const files = loadConfig({
    CERTCHAT_FILES: "s3",
    CERTCHAT_S3_ENDPOINT: "http://127.0.0.1:9000",
    CERTCHAT_S3_BUCKET: "files",
    CERTCHAT_S3_REGION: "eu-central-1",
    CERTCHAT_S3_ACCESS_KEY: "access",
    CERTCHAT_S3_SECRET_KEY: "secret",
    CERTCHAT_S3_PATH_STYLE: "true",
  }).files;
  assert.deepEqual(files, {
    store: "s3",
    endpoint: "http://127.0.0.1:9000",
    bucket: "files",
    region: "eu-central-1",
    credentials: { accessKeyId: "access", secretAccessKey: "secret" },
    pathStyle: true,
  });
});

test("each bad S3 setting is refused by name", () => {
  const s3 = { CERTCHAT_FILES: "s3", CERTCHAT_S3_BUCKET: "files" };
  const cases: [Record<string, string>, string][] = [
    [{ CERTCHAT_FILES: "s3" }, "CERTCHAT_S3_BUCKET"],
    [{ ...s3, CERTCHAT_S3_BUCKET: "Files_With_Caps" }, "CERTCHAT_S3_BUCKET"],
    [{ ...s3, CERTCHAT_S3_ENDPOINT: "not a url" }, "CERTCHAT_S3_ENDPOINT"],
    [{ ...s3, CERTCHAT_S3_ENDPOINT: "ftp://host" }, "CERTCHAT_S3_ENDPOINT"],
    [{ ...s3, CERTCHAT_S3_ENDPOINT: "http://key:secret@host" }, "CERTCHAT_S3_ENDPOINT"],
    [{ ...s3, CERTCHAT_S3_REGION: "EU Central" }, "CERTCHAT_S3_REGION"],
    [{ ...s3, CERTCHAT_S3_ACCESS_KEY: "access" }, "CERTCHAT_S3_SECRET_KEY"],
    [{ ...s3, CERTCHAT_S3_SECRET_KEY: "secret" }, "CERTCHAT_S3_ACCESS_KEY"],
    [{ ...s3, CERTCHAT_S3_PATH_STYLE: "yes" }, "CERTCHAT_S3_PATH_STYLE"],
    // S3 settings while files stay on disk are a forgotten CERTCHAT_FILES=s3.
    [{ CERTCHAT_S3_BUCKET: "files" }, "CERTCHAT_S3_BUCKET"],
  ];
  for (const [env, variable] of cases) {
    assert.throws(() => loadConfig(env), configErrorFor(variable), JSON.stringify(env));
  }
});

test("metrics listen on 127.0.0.1:9464 by default; off disables them; a bad port names the variable", () => {
  assert.deepEqual(loadConfig({}).metrics, { host: "127.0.0.1", port: 9464 });
  assert.equal(loadConfig({ CERTCHAT_METRICS_PORT: "off" }).metrics, "off");
  assert.deepEqual(loadConfig({ CERTCHAT_METRICS_HOST: "0.0.0.0", CERTCHAT_METRICS_PORT: "0" }).metrics, {
    host: "0.0.0.0",
    port: 0,
  });
  assert.throws(
    () => loadConfig({ CERTCHAT_METRICS_PORT: "metrics" }),
    configErrorFor("CERTCHAT_METRICS_PORT"),
  );
});

test("CERTCHAT_TRUST_PROXY is off by default and takes true, a hop count or proxy addresses and CIDRs", () => {
  assert.deepEqual(loadConfig({}).trustProxy, { kind: "off" });
  assert.deepEqual(loadConfig({ CERTCHAT_TRUST_PROXY: "true" }).trustProxy, { kind: "all" });
  assert.deepEqual(loadConfig({ CERTCHAT_TRUST_PROXY: "2" }).trustProxy, { kind: "hops", count: 2 });
  assert.deepEqual(loadConfig({ CERTCHAT_TRUST_PROXY: "10.0.0.0/8, ::1, loopback" }).trustProxy, {
    kind: "addresses",
    list: ["10.0.0.0/8", "::1", "loopback"],
  });
});

test("a CERTCHAT_TRUST_PROXY entry that is no address names the variable", () => {
  for (const value of ["proxy.example", "10.0.0.0/33", "0"]) {
    assert.throws(
      () => loadConfig({ CERTCHAT_TRUST_PROXY: value }),
      configErrorFor("CERTCHAT_TRUST_PROXY"),
      value,
    );
  }
});

test("CERTCHAT_IPV6_PREFIX is 64 by default and takes a prefix length from 32 to 128, with or without its slash", () => {
  assert.equal(loadConfig({}).ipv6PrefixBits, 64);
  assert.equal(loadConfig({ CERTCHAT_IPV6_PREFIX: "56" }).ipv6PrefixBits, 56);
  assert.equal(loadConfig({ CERTCHAT_IPV6_PREFIX: "/48" }).ipv6PrefixBits, 48);
  assert.equal(loadConfig({ CERTCHAT_IPV6_PREFIX: "128" }).ipv6PrefixBits, 128);
});

test("a CERTCHAT_IPV6_PREFIX outside 32 to 128 or not a number names the variable", () => {
  for (const value of ["31", "129", "0", "64 bits", "ffff::"]) {
    assert.throws(
      () => loadConfig({ CERTCHAT_IPV6_PREFIX: value }),
      configErrorFor("CERTCHAT_IPV6_PREFIX"),
      value,
    );
  }
});

test("the drain delay is 2s by default and may be 0", () => {
  assert.equal(loadConfig({}).drainDelayMs, 2000);
  assert.equal(loadConfig({ CERTCHAT_DRAIN_DELAY: "0" }).drainDelayMs, 0);
  assert.equal(loadConfig({ CERTCHAT_DRAIN_DELAY: "500ms" }).drainDelayMs, 500);
  assert.throws(() => loadConfig({ CERTCHAT_DRAIN_DELAY: "soon" }), configErrorFor("CERTCHAT_DRAIN_DELAY"));
});

test("a closing node's listener waits 300ms without requests by default, and not at all with 0", () => {
  assert.equal(loadConfig({}).closingQuietMs, 300);
  assert.equal(loadConfig({ CERTCHAT_CLOSING_QUIET: "0" }).closingQuietMs, 0);
  assert.equal(loadConfig({ CERTCHAT_CLOSING_QUIET: "1s" }).closingQuietMs, 1000);
  assert.throws(
    () => loadConfig({ CERTCHAT_CLOSING_QUIET: "later" }),
    configErrorFor("CERTCHAT_CLOSING_QUIET"),
  );
});

test("a shutting-down node closes 1,000 sockets a second by default, all at once with 0", () => {
  assert.equal(loadConfig({}).drainSocketsPerSecond, 1000);
  assert.equal(loadConfig({ CERTCHAT_DRAIN_SOCKETS_PER_SECOND: "0" }).drainSocketsPerSecond, 0);
  assert.throws(
    () => loadConfig({ CERTCHAT_DRAIN_SOCKETS_PER_SECOND: "fast" }),
    configErrorFor("CERTCHAT_DRAIN_SOCKETS_PER_SECOND"),
  );
});

test("sessions live at most 30 days and CRLs are re-read hourly unless configured", () => {
  const defaults = loadConfig({});
  assert.equal(defaults.ttl.sessionMaxAgeMs, 30 * 86_400_000);
  assert.equal(defaults.crlReloadMs, 3_600_000);
  const set = loadConfig({ CERTCHAT_SESSION_MAX_AGE: "7d", CERTCHAT_CRL_RELOAD: "5m" });
  assert.equal(set.ttl.sessionMaxAgeMs, 7 * 86_400_000);
  assert.equal(set.crlReloadMs, 5 * 60_000);
});

test("a bad session maximum age or CRL reload interval names its variable", () => {
  assert.throws(
    () => loadConfig({ CERTCHAT_SESSION_MAX_AGE: "forever" }),
    configErrorFor("CERTCHAT_SESSION_MAX_AGE"),
  );
  for (const interval of ["0", "1s", "30d"]) {
    assert.throws(() => loadConfig({ CERTCHAT_CRL_RELOAD: interval }), configErrorFor("CERTCHAT_CRL_RELOAD"));
  }
});

test("a socket's queued events hold at most 64 MiB by default, never below the largest body", () => {
  assert.equal(loadConfig({}).limits.socketQueueBytes, 64 * 1024 ** 2);
  assert.equal(
    loadConfig({ CERTCHAT_SOCKET_QUEUE_BYTES: "256KiB", CERTCHAT_MAX_BODY_BYTES: "64KiB" }).limits
      .socketQueueBytes,
    256 * 1024,
  );
  assert.equal(
    loadConfig({ CERTCHAT_MAX_BODY_BYTES: "100MiB" }).limits.socketQueueBytes,
    100 * 1024 ** 2,
    "unset, it grows with the body limit",
  );
  assert.throws(
    () => loadConfig({ CERTCHAT_SOCKET_QUEUE_BYTES: "16MiB" }),
    configErrorFor("CERTCHAT_SOCKET_QUEUE_BYTES"),
  );
});

test("bodies in flight are bounded by 256 MiB by default, never below the largest body", () => {
  assert.equal(loadConfig({}).limits.maxBodiesInFlightBytes, 256 * 1024 ** 2);
  assert.equal(
    loadConfig({ CERTCHAT_MAX_BODIES_IN_FLIGHT: "64MiB" }).limits.maxBodiesInFlightBytes,
    64 * 1024 ** 2,
  );
  assert.throws(
    () => loadConfig({ CERTCHAT_MAX_BODIES_IN_FLIGHT: "16MiB" }),
    configErrorFor("CERTCHAT_MAX_BODIES_IN_FLIGHT"),
  );
});

test("the blob sweep runs every 6h and takes unreferenced blobs older than 24h by default", () => {
  assert.deepEqual(loadConfig({}).blobSweep, { intervalMs: 6 * 3_600_000, graceMs: 24 * 3_600_000 });
  assert.deepEqual(
    loadConfig({ CERTCHAT_BLOB_SWEEP_INTERVAL: "off", CERTCHAT_BLOB_SWEEP_GRACE: "2h" }).blobSweep,
    { intervalMs: "off", graceMs: 2 * 3_600_000 },
  );
});

test("a blob sweep interval outside 1m–7d or a grace period under 1h names its variable", () => {
  for (const interval of ["0", "30s", "8d", "often"]) {
    assert.throws(
      () => loadConfig({ CERTCHAT_BLOB_SWEEP_INTERVAL: interval }),
      configErrorFor("CERTCHAT_BLOB_SWEEP_INTERVAL"),
    );
  }
  for (const grace of ["59m", "0", "never"]) {
    assert.throws(
      () => loadConfig({ CERTCHAT_BLOB_SWEEP_GRACE: grace }),
      configErrorFor("CERTCHAT_BLOB_SWEEP_GRACE"),
    );
  }
});
