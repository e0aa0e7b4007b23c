import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { clientAddress, proxyTrust } from "../../../src/server/http/client-address.ts";
import { chatServerEnv } from "../../support/chats.ts";
import { issueUser, logIn, startTestServer, type TestServer } from "../../support/server.ts";

/** One login attempt (an empty body: the rate limit is checked before the body is even read). */
async function authFrom(server: TestServer, forwardedFor: string): Promise<string | undefined> {
  const reply = await server.post("/api/auth/", {}, { headers: { "x-forwarded-for": forwardedFor } });
  return reply.body.error;
}

/** Client A's first try, client B's first try, client A's second try: what each was answered. */
async function twoClients(
  env: Record<string, string>,
  [a, b]: [string, string] = ["203.0.113.1", "203.0.113.2"],
): Promise<(string | undefined)[]> {
  const server = await startTestServer({ env: { CERTCHAT_AUTH_RATE: "1/1h", ...env } });
  try {
    return [await authFrom(server, a), await authFrom(server, b), await authFrom(server, a)];
  } finally {
    await server.close();
  }
}

// Past the limit the answer is AuthenticationFailed; within it, the empty body is InvalidSchema.
const separateLimits = ["InvalidSchema", "InvalidSchema", "AuthenticationFailed"];
const sharedLimit = ["InvalidSchema", "AuthenticationFailed", "AuthenticationFailed"];

test("behind a trusted proxy address, two forwarded clients get separate login rate limits", async () => {
  assert.deepEqual(await twoClients({ CERTCHAT_TRUST_PROXY: "127.0.0.1" }), separateLimits);
});

test("with a hop count, the forwarded client address is the one the last proxy saw", async () => {
  assert.deepEqual(await twoClients({ CERTCHAT_TRUST_PROXY: "1" }), separateLimits);
});

test("without CERTCHAT_TRUST_PROXY a forwarded address is ignored: spoofed addresses share the peer's limit", async () => {
  assert.deepEqual(await twoClients({}), sharedLimit);
});

test("a peer that is not a listed proxy cannot spoof its address", async () => {
  assert.deepEqual(await twoClients({ CERTCHAT_TRUST_PROXY: "10.0.0.0/8" }), sharedLimit);
});

test("two IPv6 addresses of one /64 share a login rate limit", async () => {
  const sameSlash64: [string, string] = ["2001:db8:1:2::1", "2001:DB8:1:2:aaaa:bbbb:cccc:dddd"];
  assert.deepEqual(await twoClients({ CERTCHAT_TRUST_PROXY: "127.0.0.1" }, sameSlash64), sharedLimit);
});

test("IPv6 addresses of neighbouring /64s get separate login rate limits", async () => {
  const neighbours: [string, string] = ["2001:db8:1:2::1", "2001:db8:1:3::1"];
  assert.deepEqual(await twoClients({ CERTCHAT_TRUST_PROXY: "127.0.0.1" }, neighbours), separateLimits);
});

test("an IPv4-mapped IPv6 address shares its IPv4 address's login rate limit", async () => {
  const oneClient: [string, string] = ["203.0.113.1", "::ffff:203.0.113.1"];
  assert.deepEqual(await twoClients({ CERTCHAT_TRUST_PROXY: "127.0.0.1" }, oneClient), sharedLimit);
});

test("CERTCHAT_IPV6_PREFIX=48 makes two /64s of one /48 share a login rate limit", async () => {
  const env = { CERTCHAT_TRUST_PROXY: "127.0.0.1", CERTCHAT_IPV6_PREFIX: "48" };
  assert.deepEqual(await twoClients(env, ["2001:db8:1:2::1", "2001:db8:1:3::1"]), sharedLimit);
});

/** A new user's registryPhone from the forwarded client `forwardedFor`: "ok" or the error. */
async function registerFrom(server: TestServer, snils: string, phone: string, forwardedFor: string) {
  const token = await logIn(server, await issueUser(server, { snils }));
  const reply = await server.post(
    "/api/registryPhone/",
    { token, phone },
    { headers: { "x-forwarded-for": forwardedFor } },
  );
  return reply.body.error ?? "ok";
}

test("behind a trusted proxy, the SMS limit per address counts each forwarded client apart", async () => {
  const server = await startTestServer({
    env: { ...chatServerEnv, CERTCHAT_TRUST_PROXY: "127.0.0.1", CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: "1" },
  });
  try {
    const register = (snils: string, phone: string, forwardedFor: string) =>
      registerFrom(server, snils, phone, forwardedFor);
    assert.equal(await register("08765431111", "79780001001", "203.0.113.1"), "ok");
    assert.equal(await register("08765431112", "79780001002", "203.0.113.2"), "ok");
    assert.equal(await register("08765431113", "79780001003", "203.0.113.1"), "SMSError");
  } finally {
    await server.close();
  }
});

test("the SMS limit per address counts two IPv6 addresses of one /64 together", async () => {
  const server = await startTestServer({
    env: { ...chatServerEnv, CERTCHAT_TRUST_PROXY: "127.0.0.1", CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: "1" },
  });
  try {
    const register = (snils: string, phone: string, forwardedFor: string) =>
      registerFrom(server, snils, phone, forwardedFor);
    assert.equal(await register("08765431111", "79780001001", "2001:db8:1:2::1"), "ok");
    assert.equal(await register("08765431112", "79780001002", "2001:db8:1:2::2"), "SMSError");
  } finally {
    await server.close();
  }
});

test("the hourly count of SMS codes per address counts the codes sent to one /64 together", async () => {
  const server = await startTestServer({
    env: { ...chatServerEnv, CERTCHAT_TRUST_PROXY: "127.0.0.1", CERTCHAT_SMS_PER_HOUR_PER_ADDRESS: "2" },
  });
  try {
    assert.equal(await registerFrom(server, "08765431111", "79780001001", "2001:db8:1:2::1"), "ok");
    assert.equal(await registerFrom(server, "08765431112", "79780001002", "2001:db8:1:2::1"), "ok");
    // 40 minutes on, the /64's attempts bucket (2 an hour, refilled continuously) holds a token again: what
    // refuses the next code is the count of the codes stored in the last hour, as on a node that never saw them.
    server.clock.advance(40 * 60_000);
    assert.equal(await registerFrom(server, "08765431113", "79780001003", "2001:db8:1:2::2"), "SMSError");
    assert.equal(await registerFrom(server, "08765431114", "79780001004", "2001:db8:1:3::1"), "ok");
  } finally {
    await server.close();
  }
});

/** What `clientAddress` (the function Socket.IO's log lines use too) finds for a real request with this header. */
async function addressSeen(setting: Parameters<typeof proxyTrust>[0], forwardedFor: string): Promise<string> {
  const trust = proxyTrust(setting);
  let seen = "";
  const server = createServer((request: IncomingMessage, response) => {
    seen = clientAddress(request, trust);
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await (await fetch(`http://127.0.0.1:${port}/`, { headers: { "x-forwarded-for": forwardedFor } })).text();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return seen;
}

test("clientAddress believes only as many forwarded hops as the setting trusts", async () => {
  const chain = "198.51.100.7, 10.0.0.2";
  assert.equal(await addressSeen({ kind: "off" }, chain), "127.0.0.1");
  assert.equal(await addressSeen({ kind: "hops", count: 1 }, chain), "10.0.0.2");
  assert.equal(await addressSeen({ kind: "hops", count: 2 }, chain), "198.51.100.7");
  assert.equal(await addressSeen({ kind: "addresses", list: ["127.0.0.1"] }, chain), "10.0.0.2");
  assert.equal(
    await addressSeen({ kind: "addresses", list: ["127.0.0.1", "10.0.0.0/8"] }, chain),
    "198.51.100.7",
  );
  assert.equal(await addressSeen({ kind: "all" }, chain), "198.51.100.7");
});
