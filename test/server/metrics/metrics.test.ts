import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Socket } from "socket.io-client";
import { type ChatUser, chatServerEnv, chatUser } from "../../support/chats.ts";
import { scrape } from "../../support/metrics.ts";
import { issueUser, logIn, startTestServer, type TestServer } from "../../support/server.ts";
import {
  chatBetween,
  closeAll,
  connectV2,
  connectV4,
  nextEvent,
  request,
  textMessage,
} from "../../support/sockets.ts";

describe("metrics of a real server", () => {
  let server: TestServer;
  let alice: ChatUser;
  let bob: ChatUser;
  let chat: string;
  const sockets: Socket[] = [];
  const metrics = () => scrape(server.server.metricsUrl());

  before(async () => {
    server = await startTestServer({ env: chatServerEnv });
    alice = await chatUser(server, "Алисова Алиса Петровна");
    bob = await chatUser(server, "Бобров Борис Иванович");
    chat = await chatBetween(server, alice, bob);
  });
  after(async () => {
    closeAll(sockets);
    await server.close();
  });

  test("an API request is counted under its route template and outcome, and timed", async () => {
    const before = await metrics();
    const key = { route: "/api/profile/", code: "NeedAuthentication" };
    assert.equal(
      (await server.post("/api/profile/", { token: "no-such-token" })).body.error,
      "NeedAuthentication",
    );
    await server.post("/api/profile/", { token: alice.token });
    const after = await metrics();
    const counted = (scrape: typeof after, labels: Record<string, string>) =>
      scrape.value("certchat_http_requests_total", labels) ?? 0;
    assert.equal(counted(after, key) - counted(before, key), 1);
    const ok = { route: "/api/profile/", code: "ok" };
    assert.equal(counted(after, ok) - counted(before, ok), 1);
    const timed = (scrape: typeof after) =>
      scrape.value("certchat_http_request_duration_seconds_count", { route: "/api/profile/" }) ?? 0;
    assert.equal(timed(after) - timed(before), 2);
  });

  test('paths without a route are counted as route "other": they add no label value', async () => {
    const before = await metrics();
    await server.post("/api/noSuchMethod12345/", {});
    await fetch(`${server.url}/no/such/path/67890`);
    const after = await metrics();
    const other = (scrape: typeof after) =>
      scrape.value("certchat_http_requests_total", { route: "other", code: "MethodNotFound" }) ?? 0;
    assert.equal(other(after) - other(before), 2);
    const series = after.series("certchat_http_requests_total");
    assert.ok(!series.some((key) => key.includes("12345") || key.includes("67890")), series.join("\n"));
  });

  test("a message moves the committed, batch, writer-lag and delivery series (the sender's socket is not counted)", async () => {
    const aliceSocket = await connectV4(server.url, { token: alice.token });
    const bobSocket = await connectV4(server.url, { token: bob.token });
    sockets.push(aliceSocket, bobSocket);
    for (const socket of [aliceSocket, bobSocket]) {
      assert.equal((await request(socket, "subscribe", chat)).success, true);
    }
    const before = await metrics();
    const arrived = nextEvent(bobSocket, "messages");
    assert.equal((await request(aliceSocket, "sendMessage", textMessage(alice, chat, "hi"))).success, true);
    await arrived;
    const after = await metrics();
    const delta = (name: string) => (after.value(name) ?? 0) - (before.value(name) ?? 0);
    assert.equal(delta("certchat_messages_committed_total"), 1);
    assert.equal(delta("certchat_commit_batch_size_count"), 1);
    assert.equal(delta("certchat_commit_batch_size_sum"), 1);
    assert.equal(delta("certchat_writer_lag_seconds_count"), 1);
    assert.equal(delta("certchat_message_deliveries_total"), 1);
  });

  test("logins are counted when they end: ok at confirmAuth, the error code of a refused step", async () => {
    const before = await metrics();
    await logIn(server, await issueUser(server, { snils: "08765432111" }));
    const refused = await server.post("/api/auth/", {
      cert: Buffer.from("not a certificate").toString("base64"),
      sign: Buffer.from("x").toString("base64"),
    });
    assert.equal(refused.body.error, "InvalidCertificate");
    const after = await metrics();
    const delta = (outcome: string) =>
      (after.value("certchat_logins_total", { outcome }) ?? 0) -
      (before.value("certchat_logins_total", { outcome }) ?? 0);
    assert.equal(delta("ok"), 1);
    assert.equal(delta("InvalidCertificate"), 1);
  });

  test("verifications are timed by the signature algorithm", async () => {
    const scraped = await metrics();
    // chatUser logged in with the test CA's ECDSA P-256 certificates: auth and confirmAuth each verified one.
    const counts = scraped
      .series("certchat_verify_duration_seconds_count")
      .map((key) => ({ key, value: scraped.value(key) ?? 0 }));
    const ecdsa = counts.find(({ key }) => key.includes('algorithm="ecdsa-p256-sha256"'));
    assert.ok(ecdsa && ecdsa.value >= 4, JSON.stringify(counts));
  });

  test("SMS hand-overs are counted as sent or failed", async () => {
    const user = await issueUser(server, { snils: "08765432222" });
    const token = await logIn(server, user);
    const before = await metrics();
    server.sms.mode = "fail";
    try {
      const failed = await server.post("/api/registryPhone/", { token, phone: "79780000001" });
      assert.equal(failed.body.error, "SMSError");
    } finally {
      server.sms.mode = "ok";
    }
    assert.equal(
      (await server.post("/api/registryPhone/", { token, phone: "79780000002" })).body.success,
      true,
    );
    const after = await metrics();
    const delta = (name: string) => (after.value(name) ?? 0) - (before.value(name) ?? 0);
    assert.equal(delta("certchat_sms_failures_total"), 1);
    assert.equal(delta("certchat_sms_sent_total"), 1);
  });

  test("an SMS refused by the resend interval is counted under its limit", async () => {
    const user = await issueUser(server, { snils: "08765432333" });
    const token = await logIn(server, user);
    assert.equal(
      (await server.post("/api/registryPhone/", { token, phone: "79780000003" })).body.success,
      true,
    );
    const before = await metrics();
    const again = await server.post("/api/registryPhone/", { token, phone: "79780000003" });
    assert.equal(again.body.error, "SMSError");
    const after = await metrics();
    const refusals = (scrape: typeof after) =>
      scrape.value("certchat_rate_limit_refusals_total", { limit: "sms_resend" }) ?? 0;
    assert.equal(refusals(after) - refusals(before), 1);
  });

  test("database and readiness gauges read 1 on a started server; redis_up 0 without Redis", async () => {
    const scraped = await metrics();
    assert.equal(scraped.value("certchat_database_up"), 1);
    assert.equal(scraped.value("certchat_ready"), 1);
    assert.equal(scraped.value("certchat_redis_up"), 0);
    assert.equal(scraped.value("certchat_verify_queue_depth"), 0);
  });

  test("the unanswered-commit series exist from the start, at zero for each resolution", async () => {
    const scraped = await metrics();
    for (const resolution of ["committed", "failed", "unresolved"])
      assert.equal(scraped.value("certchat_message_commit_unanswered_total", { resolution }), 0, resolution);
  });

  test("Node's default metrics are exposed", async () => {
    const scraped = await metrics();
    assert.ok((scraped.value("process_resident_memory_bytes") ?? 0) > 0);
    assert.notEqual(scraped.value("nodejs_eventloop_lag_p99_seconds"), undefined);
  });

  test("/metrics is not served on the API's port, and its own listener serves nothing else", async () => {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    const other = new URL("/other", server.server.metricsUrl());
    assert.equal((await fetch(other)).status, 404);
  });
});

describe("socket gauges", () => {
  test("connections are counted by Engine.IO generation, and chat subscriptions", async () => {
    const server = await startTestServer({ env: chatServerEnv });
    const sockets: { close(): void }[] = [];
    try {
      const alice = await chatUser(server, "Алисова Алиса Петровна");
      const bob = await chatUser(server, "Бобров Борис Иванович");
      const chat = await chatBetween(server, alice, bob);
      const current = await connectV4(server.url, { token: alice.token });
      const legacy = await connectV2(server.url);
      sockets.push(current, legacy);
      assert.equal((await request(legacy, "session", bob.token)).success, true);
      for (const socket of [current, legacy]) {
        assert.equal((await request(socket, "subscribe", chat)).success, true);
      }
      const scraped = await scrape(server.server.metricsUrl());
      assert.equal(scraped.value("certchat_socket_connections", { eio: "3" }), 1);
      assert.equal(scraped.value("certchat_socket_connections", { eio: "4" }), 1);
      assert.equal(scraped.value("certchat_socket_subscriptions"), 2);
    } finally {
      for (const socket of sockets) socket.close();
      await server.close();
    }
  });
});

describe("metrics listener settings", () => {
  test("CERTCHAT_METRICS_PORT=off starts no metrics listener", async () => {
    const server = await startTestServer({ env: { CERTCHAT_METRICS_PORT: "off" } });
    try {
      assert.equal(server.server.metricsUrl(), undefined);
    } finally {
      await server.close();
    }
  });
});

describe("login rate limit refusals", () => {
  test("a login refused by CERTCHAT_AUTH_RATE is counted under limit auth", async () => {
    const server = await startTestServer({ env: { CERTCHAT_AUTH_RATE: "1/1h" } });
    try {
      await server.post("/api/auth/", {});
      assert.equal((await server.post("/api/auth/", {})).body.error, "AuthenticationFailed");
      const scraped = await scrape(server.server.metricsUrl());
      assert.equal(scraped.value("certchat_rate_limit_refusals_total", { limit: "auth" }), 1);
      assert.equal(scraped.value("certchat_logins_total", { outcome: "AuthenticationFailed" }), 1);
    } finally {
      await server.close();
    }
  });
});
